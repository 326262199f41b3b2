namespace ZonaProcessManager.Testing.HighAvailability;

public enum LeadershipLogKind
{
    /// <summary>"Leader of scope …: … (this instance)": the election took the lease; the term's first writes follow.</summary>
    Elected,

    /// <summary>"Leading as {Holder} (term {Generation})": the term's loops (watch, resync, reconciles) start.</summary>
    Leading,

    /// <summary>The election's "…: leadership lost" or the gate's "Leadership lost (term {Generation})".</summary>
    Lost,

    /// <summary>"{Why}: enqueued {Count} resources; …": a resync pass (the first of a term is its start-up resync).</summary>
    Resync,
}
