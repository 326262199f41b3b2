namespace ZonaProcessManager.Domain.Model;

// The tenant and integration contract. Field names keep the existing platform's spelling in the documents
// (integration_id); the Mongo adapter maps them onto these records.

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
