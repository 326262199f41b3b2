using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Releases;

/// <summary>
/// Set <paramref name="Service"/>'s spec.image to <paramref name="NewImage"/>, only if it is still
/// <paramref name="ExpectedImage"/> (so a concurrent edit is never overwritten).
/// </summary>
public sealed record ReleaseImageWrite(ResourceKey Service, string ExpectedImage, string NewImage);

/// <summary>An event the release records about itself (the service it concerns is named in the message).</summary>
public sealed record ReleaseNote(EventType Type, string Reason, string Message);

/// <summary>
/// What one look at a release decided: its new status, to be written before <paramref name="Writes"/> (so the image a
/// write replaces is on record before it is replaced), the events to record, and when to look again.
/// </summary>
public sealed record ReleasePlan(ReleaseStatus Status, IReadOnlyList<ReleaseImageWrite> Writes, IReadOnlyList<ReleaseNote> Events, TimeSpan? RequeueAfter);
