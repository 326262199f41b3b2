using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Operator.Hosting;

/// <summary>
/// Every key the operator must look at: each stored resource, plus the owner of every labelled container, so that
/// containers whose document vanished while the operator was not watching are cleaned up too.
/// </summary>
public sealed class ResourceEnumerator(IServiceStore store, IContainerRuntime runtime, OperatorSettings settings)
{
    public async Task<IReadOnlyCollection<ResourceKey>> ListAllKeysAsync(CancellationToken cancellationToken)
    {
        var services = await store.ListAsync(cancellationToken).ConfigureAwait(false);
        var containers = await runtime.ListAsync(owner: null, cancellationToken).ConfigureAwait(false);
        var keys = new HashSet<ResourceKey>(services.Select(s => s.Key));
        keys.UnionWith(containers.Select(c => c.Owner));
        keys.RemoveWhere(key => !settings.Manages(key.Tenant));
        return keys;
    }
}
