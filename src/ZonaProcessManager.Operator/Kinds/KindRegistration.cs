namespace ZonaProcessManager.Operator.Kinds;

/// <summary>What the operator's plumbing (queue, notifications, resync) knows about one registered kind.</summary>
/// <param name="Kind">The resource kind, as in <see cref="Domain.Model.ResourceKey.Kind"/>.</param>
public sealed record KindRegistration(string Kind)
{
    /// <summary>
    /// Resources of the kind belong to no tenant: every operator reacts to their changes, whatever tenants
    /// <see cref="Settings.OperatorSettings.Tenants"/> limits it to.
    /// </summary>
    public bool ClusterScoped { get; init; }

    /// <summary>How a resync finds the kind's keys; null when only changes bring them.</summary>
    public IResourceKeySource? KeySource { get; init; }
}
