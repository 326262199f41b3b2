using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Operator.Kinds;

namespace ZonaProcessManager.Operator.Controllers;

/// <summary>
/// ServiceSpecs a resync looks at: every stored one, and the owner of every workload that runs, so containers whose
/// document vanished while the operator was not watching are removed too. A container whose label names a kind without a
/// reconciler is reported by the queue, which refuses its key.
/// </summary>
public sealed class ServiceKeySource : IResourceKeySource
{
    public ValueTask<IEnumerable<ResourceKey>> ListKeysAsync(ResourceListing listing, CancellationToken cancellationToken) =>
        ValueTask.FromResult(listing.Services.Select(s => s.Key).Concat(listing.Workloads.Select(w => w.Owner)));
}
