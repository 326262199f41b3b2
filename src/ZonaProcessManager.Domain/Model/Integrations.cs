namespace ZonaProcessManager.Domain.Model;

// The tenant and integration contract. Field names keep the existing platform's spelling in the documents
// (integration_id); the Mongo adapter maps them onto these records.

/// <summary>A catalog entry (collection catalog): how to run one kind of connector.</summary>
public sealed record IntegrationDefinition
{
    public const string KindName = "IntegrationDefinition";

    public required ResourceMetadata Metadata { get; init; }
    public required IntegrationDefinitionSpec Spec { get; init; }
}

public sealed record IntegrationDefinitionSpec
{
    /// <summary>integration_id in the document; what IntegrationSpecs refer to.</summary>
    public required int IntegrationId { get; init; }
    public string Title { get; init; } = "";
    public string Executable { get; init; } = "";
    public required string Image { get; init; }
    public IReadOnlyList<string> Command { get; init; } = [];
    public IReadOnlyList<IntegrationPort> Ports { get; init; } = [];
    public IReadOnlyList<IntegrationParameter> Parameters { get; init; } = [];
    public HealthCheckSpec? HealthCheck { get; init; }
    public ResourceLimits? Resources { get; init; }
}

/// <summary>A named container port of a connector; each gets its own host port per tenant.</summary>
public sealed record IntegrationPort(string Name, int Container);

/// <summary>A parameter a tenant supplies; passed to the container as environment variable Env.</summary>
public sealed record IntegrationParameter(string Name, string Env, bool Required = false, bool Secret = false, string? Default = null);

/// <summary>A customer (collection tenants); metadata.name is the tenant code.</summary>
public sealed record Tenant
{
    public const string KindName = "Tenant";

    public required ResourceMetadata Metadata { get; init; }
    public TenantSpec Spec { get; init; } = new();

    public string Code => Metadata.Name;

    /// <summary>zpm-tenant-&lt;code&gt;: the tenant's own network; its containers join only this one.</summary>
    public string NetworkName => NetworkNameFor(Code);

    public static string NetworkNameFor(string tenantCode) => $"zpm-tenant-{tenantCode}";
}

public sealed record TenantSpec
{
    public string? DisplayName { get; init; }
    public bool Suspended { get; init; }
}

public sealed record IntegrationCounts(int Desired, int Running);

public sealed record TenantStatus
{
    public ResourcePhase Phase { get; init; } = ResourcePhase.Pending;
    public IntegrationCounts Integrations { get; init; } = new(0, 0);
    public string? Network { get; init; }
    public string? Message { get; init; }
    public IReadOnlyList<Condition> Conditions { get; init; } = [];
    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>One integration activated for one tenant (collection integrations).</summary>
public sealed record IntegrationSpec
{
    public const string KindName = "IntegrationSpec";

    public required ResourceMetadata Metadata { get; init; }
    public required IntegrationSpecBody Spec { get; init; }

    public ResourceKey Key => new(KindName, Metadata.Tenant, Metadata.Name);
}

public sealed record IntegrationSpecBody
{
    public required int IntegrationId { get; init; }
    public bool Enabled { get; init; } = true;
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();
    public int Replicas { get; init; } = 1;
}

/// <summary>A host port handed out to one named port of one tenant's integration.</summary>
public sealed record AllocatedPort(string Name, int Container, int Host);

public sealed record IntegrationStatus
{
    public ResourcePhase Phase { get; init; } = ResourcePhase.Pending;

    /// <summary>Name of the child ServiceSpec.</summary>
    public string? Service { get; init; }
    public IReadOnlyList<AllocatedPort> Ports { get; init; } = [];
    public string? Message { get; init; }
    public IReadOnlyList<Condition> Conditions { get; init; } = [];
    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>A document of port_allocations: unique on Port, keyed by (Tenant, Integration, PortName).</summary>
public sealed record PortAllocation(string Tenant, string Integration, string PortName, int Port)
{
    public PortOwner Owner => new(Tenant, Integration, PortName);
}

/// <summary>Who a host port belongs to: one named port of one integration of one tenant.</summary>
public sealed record PortOwner(string Tenant, string Integration, string PortName)
{
    public override string ToString() => $"{Tenant}/{Integration}/{PortName}";
}
