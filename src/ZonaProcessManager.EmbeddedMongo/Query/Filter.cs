using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Aggregation;

namespace ZonaProcessManager.EmbeddedMongo.Query;

/// <summary>A parsed query filter. Parse once, match many documents.</summary>
public sealed class Filter
{
    private static readonly Filter MatchAllFilter = new(new AndNode([]), new Dictionary<string, BsonValue>());

    private readonly MatchNode root;

    private Filter(MatchNode root, IReadOnlyDictionary<string, BsonValue> equalityPaths, IReadOnlyList<IReadOnlyDictionary<string, BsonValue>>? orBranches = null,
        Collation? collation = null, IReadOnlyDictionary<string, BsonValue>? variables = null)
    {
        this.root = root;
        Collation = collation;
        this.variables = variables;
        SeedPaths = equalityPaths;
        // Index keys hold strings in binary order: under a collation a string equality must not be looked up in them.
        EqualityPaths = collation is null ? equalityPaths : WithoutStrings(equalityPaths);
        OrBranches = collation is null ? orBranches ?? [] : (orBranches ?? []).Select(WithoutStrings).ToList();
    }

    /// <summary>Parses a filter; an invalid one throws <see cref="MongoError"/> with MongoDB's code (usually 2 BadValue).</summary>
    public static Filter Parse(BsonDocument filter) => Parse(filter, null);

    /// <summary>
    /// Parses a filter whose string comparisons follow <paramref name="collation"/> (null: MongoDB's simple, binary
    /// collation) and whose $expr sees the command's <c>let</c> <paramref name="variables"/>.
    /// </summary>
    public static Filter Parse(BsonDocument filter, Collation? collation, IReadOnlyDictionary<string, BsonValue>? variables = null)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.ElementCount == 0)
        {
            return MatchAllFilter;
        }

        var equalityPaths = new Dictionary<string, BsonValue>(StringComparer.Ordinal);
        var orBranches = new List<IReadOnlyDictionary<string, BsonValue>>();
        var root = FilterParser.ParseDocument(filter, equalityPaths, depth: 0, orBranches);
        return new Filter(root, equalityPaths, orBranches, collation, variables);
    }

    private readonly IReadOnlyDictionary<string, BsonValue>? variables;

    /// <summary>The collation strings compare by while this filter matches; null is binary.</summary>
    public Collation? Collation { get; }

    /// <summary>The filter {} that matches everything.</summary>
    public static Filter MatchAll => MatchAllFilter;

    public bool Matches(BsonDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        int positional = -1;
        using var scope = Collation.Use(Collation);
        using var variableScope = CommandVariables.Use(variables);
        return root.Matches(document, ref positional);
    }

    /// <summary>
    /// Like <see cref="Matches(BsonDocument)"/> and also reports the array index that satisfied the query on the
    /// positional path, for the positional <c>$</c> update operator and projection; null when no array was involved.
    /// </summary>
    public bool Matches(BsonDocument document, out int? positionalIndex)
    {
        ArgumentNullException.ThrowIfNull(document);
        int positional = -1;
        using var scope = Collation.Use(Collation);
        using var variableScope = CommandVariables.Use(variables);
        bool matched = root.Matches(document, ref positional);
        positionalIndex = matched && positional >= 0 ? positional : null;
        return matched;
    }

    /// <summary>Matches a bare value rather than a document: used for $pull conditions and arrayFilters.</summary>
    internal bool MatchesValue(BsonValue value)
    {
        int positional = -1;
        return root.Matches(value, ref positional);
    }

    /// <summary>
    /// Top-level-and-dotted paths the filter pins to a single value with plain equality or $eq (not through $or/$nor/$not),
    /// e.g. {a: 1, "b.c": "x", d: {$eq: 2}} gives a→1, b.c→"x", d→2. Storage uses this to pick an index; upsert seeds from it.
    /// </summary>
    public IReadOnlyDictionary<string, BsonValue> EqualityPaths { get; }

    /// <summary>Every path the filter pins by equality, strings included also under a collation: what an upsert inserts.</summary>
    public IReadOnlyDictionary<string, BsonValue> SeedPaths { get; }

    /// <summary>Per branch of a top-level $or, the paths that branch pins by equality (as <see cref="EqualityPaths"/>); empty without one.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, BsonValue>> OrBranches { get; }

    private static IReadOnlyDictionary<string, BsonValue> WithoutStrings(IReadOnlyDictionary<string, BsonValue> paths) =>
        paths.Where(p => !HoldsString(p.Value)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    private static bool HoldsString(BsonValue value) => value switch
    {
        BsonString or BsonSymbol => true,
        BsonDocument document => document.Values.Any(HoldsString),
        BsonArray array => array.Any(HoldsString),
        _ => false,
    };

    /// <summary>A filter over a single value given as operators, e.g. {$gte: 6}; $pull and value-form $elemMatch use it.</summary>
    internal static Filter ParseValueCondition(BsonDocument operators)
    {
        var node = FilterParser.ParseOperators([], "", operators, depth: 0);
        return new Filter(node, new Dictionary<string, BsonValue>());
    }
}
