using System.Collections.Concurrent;
using ICU4N.Globalization;
using ICU4N.Text;
using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

/// <summary>
/// A MongoDB collation (locale, strength, caseLevel, caseFirst, numericOrdering, alternate, maxVariable, normalization,
/// backwards) with ICU's rules, as MongoDB uses ICU. The rules come from ICU4N, a managed port of ICU: the build runs
/// with InvariantGlobalization, so .NET's own culture-aware comparison is not available, and it has no caseLevel anyway.
/// <para>
/// While a filter, sort or pipeline runs it makes its collation <see cref="Current"/> for the running thread; string
/// comparisons in <see cref="BsonOrder"/> follow it. Field names and everything but string values compare binary, as in
/// MongoDB. No collation (null) is MongoDB's "simple" collation: binary comparison of UTF-8.
/// </para>
/// </summary>
public sealed class Collation
{
    private const int SpaceGroup = 0x1000;
    private const int PunctuationGroup = 0x1001;

    private static readonly string[] Fields =
        ["locale", "caseLevel", "caseFirst", "strength", "numericOrdering", "alternate", "maxVariable", "normalization", "backwards", "version"];

    private static readonly ConcurrentDictionary<string, Collation> Cache = new(StringComparer.Ordinal);

    [ThreadStatic]
    private static Collation? current;

    private readonly Collator collator;

    private Collation(BsonDocument spec, Collator collator)
    {
        Spec = spec;
        this.collator = collator;
    }

    /// <summary>The collation string comparisons on this thread follow; null is binary ("simple").</summary>
    public static Collation? Current => current;

    /// <summary>The full specification as MongoDB reports it (every field with its value or default).</summary>
    public BsonDocument Spec { get; }

    /// <summary>
    /// Parses a collation document; null, absent or <c>{locale: "simple"}</c> give null (binary). A bad document
    /// throws with MongoDB's code: 40415 unknown field, 40414 missing locale, 2 BadValue for an invalid value.
    /// </summary>
    public static Collation? Parse(BsonValue? value)
    {
        if (value is null || value.IsBsonNull)
        {
            return null;
        }

        if (value is not BsonDocument document)
        {
            throw MongoError.TypeMismatch($"BSON field 'collation' is the wrong type '{value.BsonType.ToString().ToLowerInvariant()}', expected type 'object'");
        }

        foreach (var element in document)
        {
            if (!Fields.Contains(element.Name))
            {
                throw new MongoError(40415, "Location40415", $"BSON field 'collation.{element.Name}' is an unknown field.");
            }
        }

        if (!document.TryGetValue("locale", out var localeValue))
        {
            throw new MongoError(40414, "Location40414", "BSON field 'collation.locale' is missing but a required field");
        }

        var locale = localeValue is BsonString text ? text.Value : throw MongoError.TypeMismatch("BSON field 'collation.locale' is the wrong type, expected type 'string'");
        if (locale == "simple")
        {
            if (document.ElementCount > 1 && document.Names.Any(n => n is not ("locale" or "version")))
            {
                throw MongoError.BadValue("Options are not allowed with the simple collation: " + document.ToJson());
            }

            return null;
        }

        var strength = Integer(document, "strength", 3);
        if (strength is < 1 or > 5)
        {
            throw MongoError.BadValue($"Enumeration value '{strength}' for field 'collation.strength' is not a valid value.");
        }

        var caseFirst = Choice(document, "caseFirst", "off", "upper", "lower");
        var alternate = Choice(document, "alternate", "non-ignorable", "shifted");
        var maxVariable = Choice(document, "maxVariable", "punct", "space");
        var spec = new BsonDocument
        {
            { "locale", locale },
            { "caseLevel", Boolean(document, "caseLevel") },
            { "caseFirst", caseFirst },
            { "strength", strength },
            { "numericOrdering", Boolean(document, "numericOrdering") },
            { "alternate", alternate },
            { "maxVariable", maxVariable },
            { "normalization", Boolean(document, "normalization") },
            { "backwards", Boolean(document, "backwards") },
            // MongoDB 7.0 reports the collator version of its bundled ICU; clients treat it as opaque.
            { "version", "57.1" },
        };
        return Cache.GetOrAdd(spec.ToJson(), _ => new Collation(spec, CreateCollator(spec)));
    }

    /// <summary>The collation of a command: its own <c>collation</c> field, else the collection's default.</summary>
    public static Collation? Of(BsonValue? commandCollation, BsonDocument? collectionOptions) =>
        commandCollation is not null && !commandCollation.IsBsonNull
            ? Parse(commandCollation)
            : collectionOptions is not null && collectionOptions.TryGetValue("collation", out var fallback) ? Parse(fallback) : null;

    /// <summary>
    /// Makes <paramref name="collation"/> current on this thread until the returned scope is disposed; null leaves the
    /// current one, so a stage or filter without its own collation follows the command's.
    /// </summary>
    public static Scope Use(Collation? collation)
    {
        if (collation is null)
        {
            return default;
        }

        var previous = current;
        current = collation;
        return new Scope(previous, true);
    }

    public int Compare(string x, string y) => Math.Sign(collator.Compare(x, y));

    /// <summary>The ICU sort key: equal keys exactly when the strings compare equal under this collation.</summary>
    public byte[] SortKey(string text) => collator.GetCollationKey(text).ToByteArray();

    /// <summary>Whether two collations compare alike (a null is the simple collation).</summary>
    public static bool Same(Collation? x, Collation? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.Spec.Equals(y.Spec));

    private static Collator CreateCollator(BsonDocument spec)
    {
        var locale = spec["locale"].AsString;
        var collator = (RuleBasedCollator)Collator.GetInstance(new UCultureInfo(locale));
        if (string.IsNullOrEmpty(collator.ValidCulture.Name))
        {
            throw MongoError.BadValue($"Field 'locale' is invalid in: {{ locale: \"{locale}\" }}");
        }

        collator.Strength = spec["strength"].AsInt32 switch
        {
            1 => CollationStrength.Primary,
            2 => CollationStrength.Secondary,
            3 => CollationStrength.Tertiary,
            4 => CollationStrength.Quaternary,
            _ => CollationStrength.Identical,
        };
        collator.IsCaseLevel = spec["caseLevel"].AsBoolean;
        switch (spec["caseFirst"].AsString)
        {
            case "upper":
                collator.IsUpperCaseFirst = true;
                break;
            case "lower":
                collator.IsLowerCaseFirst = true;
                break;
        }

        collator.IsNumericCollation = spec["numericOrdering"].AsBoolean;
        collator.IsAlternateHandlingShifted = spec["alternate"].AsString == "shifted";
        collator.MaxVariable = spec["maxVariable"].AsString == "space" ? SpaceGroup : PunctuationGroup;
        collator.Decomposition = spec["normalization"].AsBoolean ? NormalizationMode.CanonicalDecomposition : NormalizationMode.NoDecomposition;
        collator.IsFrenchCollation = spec["backwards"].AsBoolean;
        // A frozen collator is immutable and safe to share between threads.
        return collator.Freeze();
    }

    private static int Integer(BsonDocument document, string field, int fallback)
    {
        if (!document.TryGetValue(field, out var value))
        {
            return fallback;
        }

        return value.IsNumeric && value.ToDouble() == Math.Floor(value.ToDouble())
            ? value.ToInt32()
            : throw MongoError.TypeMismatch($"BSON field 'collation.{field}' is the wrong type '{value.BsonType.ToString().ToLowerInvariant()}', expected type 'int'");
    }

    private static bool Boolean(BsonDocument document, string field) =>
        document.TryGetValue(field, out var value)
            ? value is BsonBoolean flag ? flag.Value : throw MongoError.TypeMismatch($"BSON field 'collation.{field}' is the wrong type '{value.BsonType.ToString().ToLowerInvariant()}', expected type 'bool'")
            : false;

    private static string Choice(BsonDocument document, string field, params string[] allowed)
    {
        if (!document.TryGetValue(field, out var value))
        {
            return allowed[0];
        }

        return value is BsonString text && allowed.Contains(text.Value)
            ? text.Value
            : throw MongoError.BadValue($"Enumeration value '{value}' for field 'collation.{field}' is not a valid value.");
    }

    /// <summary>Restores the collation that was current before <see cref="Use"/>.</summary>
    public readonly struct Scope(Collation? previous, bool changed) : IDisposable
    {
        public void Dispose()
        {
            if (changed)
            {
                current = previous;
            }
        }
    }
}
