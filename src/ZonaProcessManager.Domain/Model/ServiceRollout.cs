namespace ZonaProcessManager.Domain.Model;

/// <summary>
/// status.rollout: a rollout of the document's spec failed and the operator put the previous revision back. The document
/// keeps asking for the failed spec (the operator writes only status); while its spec hash is
/// <paramref name="FailedSpecHash"/>, the operator runs revision <paramref name="ToRevision"/> instead and does not try
/// the failed spec again. A change of the document's spec (a new hash) ends it.
/// </summary>
/// <param name="State">RollingBack while the previous revision's replicas are being put back, RolledBack once they all
/// run and are ready, RollbackPaused when putting them back failed too.</param>
/// <param name="FailedSpecHash">The spec hash whose rollout failed (the document's).</param>
/// <param name="FromRevision">The failed spec's revision number, when the history has it.</param>
/// <param name="ToRevision">The revision rolled back to.</param>
/// <param name="ToSpecHash">That revision's spec hash (the label its replicas carry).</param>
/// <param name="Message">Why the rollout failed: the failing replica and what was wrong with it.</param>
/// <param name="StartedAt">When the rollback began.</param>
public sealed record ServiceRollout(
    RolloutState State, string FailedSpecHash, long? FromRevision, long ToRevision, string ToSpecHash, string Message, DateTimeOffset StartedAt)
{
    /// <summary>Whether this rollback still holds for a document whose spec hash is <paramref name="specHash"/>.</summary>
    public bool HoldsFor(string specHash) => FailedSpecHash == specHash;
}
