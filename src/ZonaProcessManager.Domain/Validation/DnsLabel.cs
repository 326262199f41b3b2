using System.Text;
using System.Text.RegularExpressions;

namespace ZonaProcessManager.Domain.Validation;

/// <summary>
/// The one rule for tenant codes and service or integration names: each ends up in Docker container, network and
/// volume names and in DNS names on the tenant network, so it must be a DNS label. Every reader and writer (mappers,
/// CLI, validators) asks here so they cannot drift apart. Mirrored by <c>pattern</c> in the schemas.
/// </summary>
public static partial class DnsLabel
{
    public const int MaxLength = 63;

    /// <summary>What a valid label looks like, for messages.</summary>
    public const string Rule = "1-63 lowercase letters, digits or '-', starting and ending with a letter or digit";

    /// <summary>True when the value is 1-63 of a-z, 0-9 and '-', alphanumeric at both ends, and nothing else (no trailing newline).</summary>
    public static bool IsValid(string? value) =>
        value is { Length: > 0 and <= MaxLength } && Pattern().IsMatch(value);

    /// <summary>For document readers: <c>metadata.name must be a DNS label (...), got "web\n"</c>.</summary>
    public static string Problem(string field, string? value) =>
        value is null ? $"{field} must be a DNS label ({Rule})" : $"{field} must be a DNS label ({Rule}), got \"{Escape(value)}\"";

    /// <summary>For the domain's own checks, whose callers put the field in front: <c>'web\n' is not a valid name: use ...</c>.</summary>
    public static string NotValid(string? value) => $"'{Escape(value ?? "")}' is not a valid name: use {Rule}";

    /// <summary>Control characters and quotes escaped, so a stray newline shows as \n rather than breaking the message.</summary>
    public static string Escape(string value)
    {
        var escaped = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            escaped.Append(c switch
            {
                '\n' => @"\n",
                '\r' => @"\r",
                '\t' => @"\t",
                '"' => "\\\"",
                '\'' => @"\'",
                '\\' => @"\\",
                _ when char.IsControl(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return escaped.ToString();
    }

    // \z, not $: in .NET (as in PCRE) $ also matches before a final newline, so "web\n" would pass.
    [GeneratedRegex(@"^[a-z0-9]([a-z0-9-]*[a-z0-9])?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
