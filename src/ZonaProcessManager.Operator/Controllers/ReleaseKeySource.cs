using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Kinds;

namespace ZonaProcessManager.Operator.Controllers;

/// <summary>Releases a resync looks at: every stored one (a finished one costs one read and decides nothing).</summary>
public sealed class ReleaseKeySource(IReleaseStore store) : IResourceKeySource
{
    public async ValueTask<IEnumerable<ResourceKey>> ListKeysAsync(ResourceListing listing, CancellationToken cancellationToken) =>
        (await store.ListReleasesAsync(cancellationToken).ConfigureAwait(false)).Select(r => r.Key);
}
