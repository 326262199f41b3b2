using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Releases;

namespace ZonaProcessManager.Operator.Controllers;

/// <summary>
/// The release store of a host that registers none (the operator core on test fakes): it holds no releases, so the
/// release kind never has work, and a write to it is a bug.
/// </summary>
public sealed class EmptyReleaseStore : IReleaseStore
{
    public Task<StoredRelease?> GetReleaseAsync(string name, CancellationToken cancellationToken) => Task.FromResult<StoredRelease?>(null);

    public Task<IReadOnlyList<StoredRelease>> ListReleasesAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<StoredRelease>>([]);

    public Task WriteReleaseStatusAsync(string name, ReleaseStatus status, CancellationToken cancellationToken) =>
        throw new InvalidOperationException($"No release store is registered; release {name} cannot exist.");

    public Task<bool> SetServiceImageAsync(ResourceKey service, string expectedImage, string newImage, string changeCause, CancellationToken cancellationToken) =>
        throw new InvalidOperationException($"No release store is registered; {service} cannot be changed by a release.");
}
