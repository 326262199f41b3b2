namespace ZonaProcessManager.Domain.Integrations;

public enum PortChoiceKind
{
    /// <summary>The owner already holds this port: keep it (across restarts and spec edits).</summary>
    Kept,

    /// <summary>A free port to claim; the store's unique index decides, and on a duplicate the next candidate is tried.</summary>
    Candidate,

    /// <summary>No free port is left in the range.</summary>
    Exhausted,

    /// <summary>The store accepted the claim: the port is now this owner's.</summary>
    Claimed,
}
