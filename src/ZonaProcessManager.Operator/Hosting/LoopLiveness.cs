namespace ZonaProcessManager.Operator.Hosting;

/// <summary>One leader-only loop of the current term: running, or ended (with why) although the term goes on.</summary>
public sealed record LoopLiveness(string Name, bool Running, string? Failure);
