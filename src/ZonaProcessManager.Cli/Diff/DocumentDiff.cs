using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using MongoDB.Bson;
using ZonaProcessManager.Domain.Integrations;

namespace ZonaProcessManager.Cli.Diff;

public enum FieldChangeKind { Added, Removed, Changed }

/// <summary>
/// One field that differs between a stored document and a manifest: its path (`spec.env.GREETING`,
/// `spec.command[2]`) and the value before and after, already rendered, secrets masked. A changed secret has no values:
/// it prints as "(secret changed)".
/// </summary>
public sealed record FieldChange(FieldChangeKind Kind, string Path, string? Before, string? After)
{
    public const string SecretChanged = "(secret changed)";

    public override string ToString() => Kind switch
    {
        FieldChangeKind.Added => $"+ {Path}: {After}",
        FieldChangeKind.Removed => $"- {Path}: {Before}",
        _ when Before is null || After is null => $"~ {Path}: {SecretChanged}",
        _ => $"~ {Path}: {Before} → {After}",
    };
}

/// <summary>
/// Field-level difference of two BSON documents, for `zpm diff`. Documents are compared key by key whatever their key
/// order and descended into, so every change is named by its full path; lists are compared element by element by index
/// (an element added or removed at the end is one line; one inserted in the middle changes every element after it);
/// numbers compare by value whatever their BSON type (8080 stored as a double by mongosh equals the manifest's 8080).
/// Keys come in the manifest's order, then the keys only the stored document has.
/// </summary>
/// <remarks>
/// Secret paths are exact paths (`spec.env.API_KEY`, `spec.parameters[0].default`): their values never reach the output,
/// not even inside an added or removed object or list, which are rendered with the same mask.
/// </remarks>
public static partial class DocumentDiff
{
    public const string Mask = SecretRedactor.Mask;

    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IReadOnlyList<FieldChange> Compare(BsonDocument? stored, BsonDocument desired, IReadOnlySet<string> secretPaths)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(secretPaths);
        var changes = new List<FieldChange>();
        CompareDocuments(stored ?? [], desired, "", secretPaths, changes);
        return changes;
    }

    /// <summary>A value as the diff shows it: plain text for simple strings, JSON-quoted otherwise, inline objects and lists.</summary>
    public static string Render(BsonValue value, string path, IReadOnlySet<string> secretPaths)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(secretPaths);
        if (secretPaths.Contains(path))
        {
            return Mask;
        }

        return value switch
        {
            BsonDocument document => document.ElementCount == 0
                ? "{}"
                : "{" + string.Join(", ", document.Elements.Select(e => $"{Key(e.Name)}: {Render(e.Value, Join(path, e.Name), secretPaths)}")) + "}",
            BsonArray array => "[" + string.Join(", ", array.Select((item, index) => Render(item, $"{path}[{index}]", secretPaths))) + "]",
            BsonString text => Text(text.AsString),
            BsonBoolean flag => flag.AsBoolean ? "true" : "false",
            BsonNull or BsonUndefined => "null",
            BsonInt32 or BsonInt64 => Convert.ToString(BsonTypeMapper.MapToDotNetValue(value), CultureInfo.InvariantCulture)!,
            BsonDouble number => number.AsDouble.ToString("R", CultureInfo.InvariantCulture),
            BsonDecimal128 number => number.AsDecimal.ToString(CultureInfo.InvariantCulture),
            BsonDateTime time => time.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
    }

    private static void CompareDocuments(BsonDocument stored, BsonDocument desired, string path, IReadOnlySet<string> secretPaths, List<FieldChange> changes)
    {
        foreach (var element in desired.Elements)
        {
            var fieldPath = Join(path, element.Name);
            if (stored.TryGetValue(element.Name, out var before))
            {
                CompareValues(before, element.Value, fieldPath, secretPaths, changes);
            }
            else
            {
                Added(element.Value, fieldPath, secretPaths, changes);
            }
        }

        foreach (var element in stored.Elements.Where(e => !desired.Contains(e.Name)))
        {
            Removed(element.Value, Join(path, element.Name), secretPaths, changes);
        }
    }

    private static void CompareValues(BsonValue before, BsonValue after, string path, IReadOnlySet<string> secretPaths, List<FieldChange> changes)
    {
        if (Same(before, after))
        {
            return;
        }

        if (secretPaths.Contains(path))
        {
            changes.Add(new FieldChange(FieldChangeKind.Changed, path, null, null));
            return;
        }

        switch (before, after)
        {
            case (BsonDocument storedDocument, BsonDocument desiredDocument):
                CompareDocuments(storedDocument, desiredDocument, path, secretPaths, changes);
                break;
            case (BsonArray storedArray, BsonArray desiredArray):
                for (var i = 0; i < Math.Max(storedArray.Count, desiredArray.Count); i++)
                {
                    var itemPath = $"{path}[{i}]";
                    if (i >= storedArray.Count)
                    {
                        changes.Add(new FieldChange(FieldChangeKind.Added, itemPath, null, Render(desiredArray[i], itemPath, secretPaths)));
                    }
                    else if (i >= desiredArray.Count)
                    {
                        changes.Add(new FieldChange(FieldChangeKind.Removed, itemPath, Render(storedArray[i], itemPath, secretPaths), null));
                    }
                    else
                    {
                        CompareValues(storedArray[i], desiredArray[i], itemPath, secretPaths, changes);
                    }
                }

                break;
            default:
                changes.Add(new FieldChange(FieldChangeKind.Changed, path, Render(before, path, secretPaths), Render(after, path, secretPaths)));
                break;
        }
    }

    /// <summary>
    /// A new field holding an object is shown field by field (so each line is one path), anything else as one value; a
    /// list element added or removed is one value, inline, whatever it holds.
    /// </summary>
    private static void Added(BsonValue value, string path, IReadOnlySet<string> secretPaths, List<FieldChange> changes)
    {
        if (value is BsonDocument { ElementCount: > 0 } document && !secretPaths.Contains(path))
        {
            foreach (var element in document.Elements)
            {
                Added(element.Value, Join(path, element.Name), secretPaths, changes);
            }

            return;
        }

        changes.Add(new FieldChange(FieldChangeKind.Added, path, null, Render(value, path, secretPaths)));
    }

    private static void Removed(BsonValue value, string path, IReadOnlySet<string> secretPaths, List<FieldChange> changes)
    {
        if (value is BsonDocument { ElementCount: > 0 } document && !secretPaths.Contains(path))
        {
            foreach (var element in document.Elements)
            {
                Removed(element.Value, Join(path, element.Name), secretPaths, changes);
            }

            return;
        }

        changes.Add(new FieldChange(FieldChangeKind.Removed, path, Render(value, path, secretPaths), null));
    }

    /// <summary>Equal as the operator reads them: documents whatever their key order, numbers by value.</summary>
    public static bool Same(BsonValue before, BsonValue after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        if (before.IsNumeric && after.IsNumeric)
        {
            return before.BsonType == after.BsonType ? before.Equals(after) : before.ToDouble() == after.ToDouble();
        }

        return (before, after) switch
        {
            (BsonDocument b, BsonDocument a) => b.ElementCount == a.ElementCount
                && b.Elements.All(e => a.TryGetValue(e.Name, out var other) && Same(e.Value, other)),
            (BsonArray b, BsonArray a) => b.Count == a.Count && b.Zip(a).All(pair => Same(pair.First, pair.Second)),
            _ => before.Equals(after),
        };
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;

    private static string Key(string name) => PlainText().IsMatch(name) ? name : JsonSerializer.Serialize(name, Json);

    /// <summary>Strings that read unambiguously without quotes stay plain (images, names, paths); others are JSON-quoted.</summary>
    private static string Text(string value) =>
        PlainText().IsMatch(value) && !LooksLikeAnotherType(value) ? value : JsonSerializer.Serialize(value, Json);

    private static bool LooksLikeAnotherType(string value) =>
        value is "true" or "false" or "null" || double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    [GeneratedRegex(@"^[A-Za-z0-9_./@-][A-Za-z0-9_./:@=+-]*$")]
    private static partial Regex PlainText();
}
