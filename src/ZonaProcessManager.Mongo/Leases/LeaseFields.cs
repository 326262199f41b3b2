namespace ZonaProcessManager.Mongo.Leases;

/// <summary>
/// Field names of a `leases` document, { _id: &lt;lease name&gt;, holder, holderIdentity {host, pid, version, startedAt},
/// acquiredAt, renewedAt, expiresAt, generation }, and of an `operators` document (one per running instance).
/// Every time in them is the store's clock ($$NOW, $currentDate), never an instance's.
/// </summary>
public static class LeaseFields
{
    public const string Holder = "holder";
    public const string HolderIdentity = "holderIdentity";
    public const string AcquiredAt = "acquiredAt";
    public const string RenewedAt = "renewedAt";
    public const string ExpiresAt = "expiresAt";
    public const string Generation = "generation";

    /// <summary>`operators`: the lease (scope) the instance takes part in.</summary>
    public const string Lease = "lease";

    /// <summary>`operators`: the configured role, auto, active or passive.</summary>
    public const string Role = "role";

    /// <summary>`operators`: leader or standby, as the instance itself last saw it.</summary>
    public const string State = "state";

    /// <summary>`operators`: when the instance last wrote its record (every retry period while it runs).</summary>
    public const string LastSeenAt = "lastSeenAt";

    public const string Host = "host";
    public const string ProcessId = "pid";
    public const string Version = "version";
    public const string StartedAt = "startedAt";

    public const string LeaderState = "leader";
    public const string StandbyState = "standby";
}
