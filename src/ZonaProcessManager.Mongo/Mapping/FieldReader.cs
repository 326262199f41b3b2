using System.Globalization;
using MongoDB.Bson;

namespace ZonaProcessManager.Mongo.Mapping;

/// <summary>
/// Reads typed values out of untrusted BSON, collecting one clear message per problem (field path + expectation +
/// what was found) instead of throwing, so one bad field never hides the others and never crashes a caller.
/// </summary>
internal sealed class FieldReader
{
    private readonly List<string> _problems = [];

    public IReadOnlyList<string> Problems => _problems;

    public void Problem(string message) => _problems.Add(message);

    public static string Describe(BsonValue value) => value.BsonType switch
    {
        BsonType.String => "\"" + value.AsString + "\"",
        BsonType.Null => "null",
        BsonType.Document => "an object",
        BsonType.Array => "an array",
        BsonType.Boolean => value.AsBoolean ? "true" : "false",
        BsonType.Int32 or BsonType.Int64 or BsonType.Double or BsonType.Decimal128 => Convert.ToString(value.ToDouble(), CultureInfo.InvariantCulture),
        _ => value.BsonType.ToString(),
    };

    /// <summary>Flags every field of <paramref name="document"/> not in <paramref name="known"/>.</summary>
    public void RejectUnknownFields(BsonDocument document, string path, IReadOnlySet<string> known)
    {
        foreach (var element in document.Elements)
        {
            if (!known.Contains(element.Name))
            {
                Problem($"{path}.{element.Name} is not a known field (known: {string.Join(", ", known.Order(StringComparer.Ordinal))})");
            }
        }
    }

    public BsonDocument? Document(BsonDocument parent, string field, string path, bool required = false)
    {
        if (!parent.TryGetValue(field, out var value) || value.IsBsonNull)
        {
            if (required)
            {
                Problem($"{path} is required");
            }

            return null;
        }

        if (value is BsonDocument document)
        {
            return document;
        }

        Problem($"{path} must be an object, got {Describe(value)}");
        return null;
    }

    /// <summary>
    /// The objects of an array field, each with its path ("spec.ports[2]"); an element that is not an object is reported
    /// and skipped, so one bad entry names itself and the others are still read.
    /// </summary>
    public IEnumerable<(BsonDocument Item, string Path)> Objects(BsonDocument parent, string field, string path)
    {
        var array = Array(parent, field, path);
        for (var i = 0; array is not null && i < array.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            if (array[i] is BsonDocument item)
            {
                yield return (item, itemPath);
            }
            else
            {
                Problem($"{itemPath} must be an object, got {Describe(array[i])}");
            }
        }
    }

    public BsonArray? Array(BsonDocument parent, string field, string path)
    {
        if (!parent.TryGetValue(field, out var value) || value.IsBsonNull)
        {
            return null;
        }

        if (value is BsonArray array)
        {
            return array;
        }

        Problem($"{path} must be an array, got {Describe(value)}");
        return null;
    }

    public string? String(BsonDocument parent, string field, string path, bool required = false)
    {
        if (!parent.TryGetValue(field, out var value) || value.IsBsonNull)
        {
            if (required)
            {
                Problem($"{path} is required");
            }

            return null;
        }

        if (value.IsString && (value.AsString.Length > 0 || !required))
        {
            return value.AsString;
        }

        Problem($"{path} must be a non-empty string, got {Describe(value)}");
        return null;
    }

    public bool? Boolean(BsonDocument parent, string field, string path)
    {
        if (!parent.TryGetValue(field, out var value) || value.IsBsonNull)
        {
            return null;
        }

        if (value.IsBoolean)
        {
            return value.AsBoolean;
        }

        Problem($"{path} must be true or false, got {Describe(value)}");
        return null;
    }

    /// <summary>
    /// Accepts any BSON number with an integral value: mongosh writes plain numbers as doubles, so `replicas: 3`
    /// typed in a shell arrives as 3.0 and must still count as the integer 3.
    /// </summary>
    public int? Integer(BsonDocument parent, string field, string path, int minimum = int.MinValue, int maximum = int.MaxValue, bool required = false)
    {
        if (!parent.TryGetValue(field, out var value) || value.IsBsonNull)
        {
            if (required)
            {
                Problem($"{path} is required");
            }

            return null;
        }

        var expectation = ExpectationText(minimum, maximum);
        if (!value.IsNumeric)
        {
            Problem($"{path} must be {expectation}, got {Describe(value)}");
            return null;
        }

        var number = value.ToDouble();
        if (Math.Floor(number) != number || number < minimum || number > maximum)
        {
            Problem($"{path} must be {expectation}, got {Describe(value)}");
            return null;
        }

        return (int)number;
    }

    public double? Number(BsonDocument parent, string field, string path, double exclusiveMinimum)
    {
        if (!parent.TryGetValue(field, out var value) || value.IsBsonNull)
        {
            return null;
        }

        if (value.IsNumeric && value.ToDouble() > exclusiveMinimum)
        {
            return value.ToDouble();
        }

        Problem($"{path} must be a number > {exclusiveMinimum.ToString(CultureInfo.InvariantCulture)}, got {Describe(value)}");
        return null;
    }

    public IReadOnlyList<string>? StringList(BsonDocument parent, string field, string path)
    {
        var array = Array(parent, field, path);
        if (array is null)
        {
            return null;
        }

        var result = new List<string>(array.Count);
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i].IsString)
            {
                result.Add(array[i].AsString);
            }
            else
            {
                Problem($"{path}[{i}] must be a string, got {Describe(array[i])}");
            }
        }

        return result;
    }

    public IReadOnlyDictionary<string, string>? StringMap(BsonDocument parent, string field, string path)
    {
        var document = Document(parent, field, path);
        if (document is null)
        {
            return null;
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var element in document.Elements)
        {
            if (element.Value.IsString)
            {
                result[element.Name] = element.Value.AsString;
            }
            else
            {
                Problem($"{path}.{element.Name} must be a string, got {Describe(element.Value)}");
            }
        }

        return result;
    }

    /// <summary>Reads one of <paramref name="allowed"/> (document spelling) and maps it to its enum value.</summary>
    public T Choice<T>(BsonDocument parent, string field, string path, IReadOnlyDictionary<string, T> allowed, T defaultValue)
    {
        if (!parent.TryGetValue(field, out var value) || value.IsBsonNull)
        {
            return defaultValue;
        }

        if (value.IsString && allowed.TryGetValue(value.AsString, out var choice))
        {
            return choice;
        }

        Problem($"{path} must be one of {string.Join(" | ", allowed.Keys)}, got {Describe(value)}");
        return defaultValue;
    }

    private static string ExpectationText(int minimum, int maximum) => (minimum, maximum) switch
    {
        (int.MinValue, int.MaxValue) => "an integer",
        (_, int.MaxValue) => $"an integer ≥ {minimum}",
        _ => $"an integer between {minimum} and {maximum}",
    };
}
