using System.Text.RegularExpressions;

namespace ZonaProcessManager.Domain.Releases;

/// <summary>
/// The tag part of a Docker image reference ([registry[:port]/]repository[:tag][@digest]), which is all a release
/// changes: the registry and repository are kept. The tag is what follows the last ':' after the last '/', so a
/// registry port (host:5000/repo) is never taken for a tag.
/// </summary>
public static partial class ImageReference
{
    /// <summary>Docker's tag grammar: a word character, then up to 127 word characters, '.' or '-'.</summary>
    public const string TagRule = "1-128 letters, digits, '_', '.' or '-', not starting with '.' or '-'";

    public static bool IsValidTag(string? tag) => tag is not null && TagPattern().IsMatch(tag);

    /// <summary>True when the image is pinned by digest (repo@sha256:…): its tag means nothing to the engine.</summary>
    public static bool IsDigestPinned(string image) => image.Contains('@', StringComparison.Ordinal);

    /// <summary>The repository without tag or digest.</summary>
    public static string Repository(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        var withoutDigest = at >= 0 ? image[..at] : image;
        var slash = withoutDigest.LastIndexOf('/');
        var colon = withoutDigest.LastIndexOf(':');
        return colon > slash ? withoutDigest[..colon] : withoutDigest;
    }

    /// <summary>The tag of an image, or null when it has none (the engine then means "latest").</summary>
    public static string? Tag(string image)
    {
        var repository = Repository(image);
        var rest = image[repository.Length..];
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        var tagPart = at >= 0 ? rest[..at] : rest;
        return tagPart.StartsWith(':') ? tagPart[1..] : null;
    }

    /// <summary>The image with <paramref name="tag"/> as its tag; null for a digest-pinned image (never rewritten).</summary>
    public static string? WithTag(string image, string tag)
    {
        ArgumentNullException.ThrowIfNull(image);
        return IsDigestPinned(image) ? null : $"{Repository(image)}:{tag}";
    }

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\z", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();
}
