using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Operator.Kinds;

/// <summary>
/// How a resync finds the keys of one kind: from the pass's shared <see cref="ResourceListing"/> (the services,
/// containers and integration-store lists, each listed once per pass), or from the kind's own store, listed once.
/// </summary>
public interface IResourceKeySource
{
    ValueTask<IEnumerable<ResourceKey>> ListKeysAsync(ResourceListing listing, CancellationToken cancellationToken);
}
