namespace ZonaProcessManager.Testing.HighAvailability;

public enum LeadershipLogKind
{
    /// <summary>"Leading as {Holder} (term {Generation})": the term's loops start.</summary>
    Leading,

    /// <summary>"Leadership lost (term {Generation})": the term's loops were stopped.</summary>
    Lost,

    /// <summary>"{Why}: enqueued {Count} resources; …": a resync pass (the first of a term is its start-up resync).</summary>
    Resync,
}
