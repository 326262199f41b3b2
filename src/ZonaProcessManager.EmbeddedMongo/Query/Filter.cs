using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

/// <summary>A parsed query filter. Parse once, match many documents.</summary>
public sealed class Filter
{
    /// <summary>Parses a filter; an invalid one throws <see cref="MongoError"/> with MongoDB's code (usually 2 BadValue).</summary>
    public static Filter Parse(BsonDocument filter) => throw new NotImplementedException();

    /// <summary>The filter {} that matches everything.</summary>
    public static Filter MatchAll => throw new NotImplementedException();

    public bool Matches(BsonDocument document) => throw new NotImplementedException();

    /// <summary>
    /// Like <see cref="Matches(BsonDocument)"/> and also reports the array index that satisfied the query on the
    /// positional path, for the positional <c>$</c> update operator and projection; null when no array was involved.
    /// </summary>
    public bool Matches(BsonDocument document, out int? positionalIndex) => throw new NotImplementedException();

    /// <summary>
    /// Top-level-and-dotted paths the filter pins to a single value with plain equality or $eq (not through $or/$nor/$not),
    /// e.g. {a: 1, "b.c": "x", d: {$eq: 2}} gives a→1, b.c→"x", d→2. Storage uses this to pick an index; upsert seeds from it.
    /// </summary>
    public IReadOnlyDictionary<string, BsonValue> EqualityPaths => throw new NotImplementedException();
}
