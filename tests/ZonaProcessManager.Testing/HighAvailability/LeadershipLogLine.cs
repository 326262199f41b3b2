namespace ZonaProcessManager.Testing.HighAvailability;

/// <summary>A line an operator process logged about its leadership or its resync, with the time it logged it.</summary>
/// <param name="At">The line's own timestamp (@t), from the same host clock as the relays' timestamps.</param>
/// <param name="Kind">What it says.</param>
/// <param name="Generation">The lease generation for <see cref="LeadershipLogKind.Leading"/> and <see cref="LeadershipLogKind.Lost"/>.</param>
/// <param name="Holder">The holder it leads as, for <see cref="LeadershipLogKind.Leading"/>.</param>
/// <param name="Text">The rendered line's properties, for failure messages.</param>
public sealed record LeadershipLogLine(DateTimeOffset At, LeadershipLogKind Kind, long? Generation, string? Holder, string Text);
