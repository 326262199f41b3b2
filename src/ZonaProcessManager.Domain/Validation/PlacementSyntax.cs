using System.Text.RegularExpressions;

namespace ZonaProcessManager.Domain.Validation;

/// <summary>
/// The grammar Docker Swarm accepts for spec.placement, checked before a document reaches an engine: Swarm refuses a
/// malformed constraint only when the service is created, and accepts an unknown key or spread descriptor silently,
/// leaving the tasks pending forever with "no suitable node". Keys and values follow Swarm's own parser (swarmkit
/// manager/constraint): KEY==VALUE or KEY!=VALUE, surrounding spaces trimmed, keys compared without regard to case.
/// </summary>
public static partial class PlacementSyntax
{
    public const string NodeLabelPrefix = "node.labels.";
    public const string EngineLabelPrefix = "engine.labels.";

    /// <summary>The node attributes Swarm matches constraints against, besides node and engine labels.</summary>
    public static IReadOnlyList<string> NodeAttributes { get; } =
        ["node.id", "node.hostname", "node.role", "node.platform.os", "node.platform.arch"];

    private static readonly string KnownKeys =
        $"{string.Join(", ", NodeAttributes)}, {NodeLabelPrefix}<label> or {EngineLabelPrefix}<label>";

    /// <summary>Why <paramref name="constraint"/> is not a constraint Swarm can match, or null when it is one.</summary>
    public static string? ConstraintProblem(string? constraint)
    {
        if (string.IsNullOrWhiteSpace(constraint))
        {
            return "must be KEY==VALUE or KEY!=VALUE (e.g. node.role==worker), got an empty string";
        }

        // Swarm looks for == first, so "a==b!=c" is key a with value "b!=c" (refused below for its '!').
        var equals = constraint.IndexOf("==", StringComparison.Ordinal);
        var index = equals >= 0 ? equals : constraint.IndexOf("!=", StringComparison.Ordinal);
        if (index < 0)
        {
            return $"'{ServiceSpecValidator.Clip(constraint)}' must be KEY==VALUE or KEY!=VALUE (e.g. node.role==worker)";
        }

        var key = constraint[..index].Trim();
        var value = constraint[(index + 2)..].Trim();
        if (!SwarmKey().IsMatch(key))
        {
            return $"'{ServiceSpecValidator.Clip(constraint)}' has no valid key before the operator; use {KnownKeys}";
        }

        if (!IsKnownKey(key))
        {
            return $"'{ServiceSpecValidator.Clip(constraint)}': Swarm matches no node on key '{ServiceSpecValidator.Clip(key)}'; use {KnownKeys}";
        }

        if (!SwarmValue().IsMatch(value))
        {
            return $"'{ServiceSpecValidator.Clip(constraint)}' needs a value of letters, digits, spaces and : - _ . * ( ) ? + [ ] \\ ^ $ | / after the operator";
        }

        if (key.Equals("node.role", StringComparison.OrdinalIgnoreCase)
            && !value.Equals("manager", StringComparison.OrdinalIgnoreCase)
            && !value.Equals("worker", StringComparison.OrdinalIgnoreCase))
        {
            return $"'{ServiceSpecValidator.Clip(constraint)}': node.role is manager or worker";
        }

        return null;
    }

    /// <summary>Why <paramref name="descriptor"/> cannot be spread over, or null when it is a node or engine label.</summary>
    public static string? SpreadProblem(string? descriptor)
    {
        var trimmed = descriptor?.Trim() ?? "";
        if (!SwarmKey().IsMatch(trimmed) || LabelName(trimmed) is not { Length: > 0 })
        {
            return $"'{ServiceSpecValidator.Clip(descriptor)}' must name a label to spread over: {NodeLabelPrefix}<label> or {EngineLabelPrefix}<label> (e.g. {NodeLabelPrefix}zone)";
        }

        return null;
    }

    private static bool IsKnownKey(string key) =>
        NodeAttributes.Any(attribute => attribute.Equals(key, StringComparison.OrdinalIgnoreCase)) || LabelName(key) is { Length: > 0 };

    private static string? LabelName(string key) =>
        key.StartsWith(NodeLabelPrefix, StringComparison.OrdinalIgnoreCase) ? key[NodeLabelPrefix.Length..]
        : key.StartsWith(EngineLabelPrefix, StringComparison.OrdinalIgnoreCase) ? key[EngineLabelPrefix.Length..]
        : null;

    // Swarm's key and value patterns (swarmkit manager/constraint; Go's \s is ASCII whitespace only); values must not
    // hold operators such as '<' or '~'.
    [GeneratedRegex(@"^[a-zA-Z_][a-zA-Z0-9\-_.]+\z")]
    private static partial Regex SwarmKey();

    [GeneratedRegex(@"^[a-zA-Z0-9:\-_ \t\n\f\r.*()?+\[\]\\^$|/]+\z")]
    private static partial Regex SwarmValue();
}
