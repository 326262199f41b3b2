namespace ZonaProcessManager.Domain.Ports;

/// <summary>How an instance takes part in a shared leader election (the seed system's server roles).</summary>
public enum LeaderRole
{
    /// <summary>Plain election: leads when the leadership is free, gives way to an active instance on a free lease.</summary>
    Auto,

    /// <summary>Prefers leading: takes a free or lapsed leadership before an automatic instance does.</summary>
    Active,

    /// <summary>Never leads: a warm standby for maintenance that only watches who leads.</summary>
    Passive,
}
