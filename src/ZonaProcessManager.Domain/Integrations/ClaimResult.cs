namespace ZonaProcessManager.Domain.Integrations;

public enum ClaimResult
{
    /// <summary>The allocation was stored.</summary>
    Claimed,

    /// <summary>Duplicate key on the port: someone else got it first; try the next candidate.</summary>
    PortTaken,

    /// <summary>Duplicate key on the owner: a concurrent reconcile already allocated for it; use that port.</summary>
    OwnerHasPort,
}

/// <param name="ExistingPort">The owner's port when Result is OwnerHasPort.</param>
public sealed record ClaimAttempt(ClaimResult Result, int? ExistingPort = null);
