namespace ZonaProcessManager.Domain.Integrations;

public enum CascadeStepKind
{
    /// <summary>Delete the tenant's IntegrationSpecs (their children follow).</summary>
    DeleteIntegrations,

    /// <summary>Request deletion of the tenant's remaining ServiceSpecs (the operator tears each down).</summary>
    DeleteServices,

    /// <summary>Containers are still being removed; look again later.</summary>
    WaitForContainers,

    /// <summary>Remove the zpm-tenant-&lt;code&gt; network (only possible once no container uses it).</summary>
    RemoveNetwork,

    /// <summary>Release the tenant's host ports.</summary>
    ReleasePorts,

    /// <summary>Nothing is left: remove the tenant document.</summary>
    DeleteTenant,
}
