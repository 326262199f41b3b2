using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Releases;

namespace ZonaProcessManager.Domain.Ports;

/// <summary>Release documents and the one ServiceSpec write a release makes (its image). Implemented by the MongoDB adapter.</summary>
public interface IReleaseStore
{
    /// <summary>Null when the document does not exist.</summary>
    Task<StoredRelease?> GetReleaseAsync(string name, CancellationToken cancellationToken);

    Task<IReadOnlyList<StoredRelease>> ListReleasesAsync(CancellationToken cancellationToken);

    /// <summary>Replaces status only; never touches spec or metadata, so it never races a user's request.</summary>
    Task WriteReleaseStatusAsync(string name, ReleaseStatus status, CancellationToken cancellationToken);

    /// <summary>
    /// Sets <paramref name="service"/>'s spec.image to <paramref name="newImage"/> and its annotation
    /// <see cref="Releases.ReleaseChangeCause.Annotation"/> to <paramref name="changeCause"/>, only while spec.image is
    /// still <paramref name="expectedImage"/>. False when it is not (someone changed it, or the document is gone):
    /// nothing is written then.
    /// </summary>
    Task<bool> SetServiceImageAsync(ResourceKey service, string expectedImage, string newImage, string changeCause, CancellationToken cancellationToken);
}

/// <summary>A release document; Release is null (and InvalidReason says why) when it cannot be read or breaks a rule.</summary>
public sealed record StoredRelease(ResourceKey Key, string Uid, Release? Release, string? InvalidReason, ReleaseStatus? Status);
