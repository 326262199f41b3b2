using System.Text.RegularExpressions;
using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

/// <summary>The arrayFilters of an update: identifier → condition on one array element.</summary>
internal sealed class ArrayFilterSet
{
    private static readonly Regex IdentifierPattern = new("^[a-z][a-zA-Z0-9]*$", RegexOptions.CultureInvariant);

    private readonly Dictionary<string, Filter> filters = new(StringComparer.Ordinal);
    private readonly HashSet<string> used = new(StringComparer.Ordinal);

    public static ArrayFilterSet Parse(BsonArray? arrayFilters)
    {
        var set = new ArrayFilterSet();
        if (arrayFilters is null)
        {
            return set;
        }

        foreach (var item in arrayFilters)
        {
            if (item is not BsonDocument filterDocument || filterDocument.ElementCount == 0)
            {
                throw MongoError.FailedToParse("Cannot use an expression without a top-level field name in arrayFilters");
            }

            string? identifier = null;
            foreach (var element in filterDocument)
            {
                string first = element.Name.Split('.')[0];
                if (identifier is not null && identifier != first)
                {
                    throw MongoError.FailedToParse($"Error parsing array filter :: caused by :: Expected a single top-level field name, found '{identifier}' and '{first}'");
                }

                identifier = first;
            }

            if (!IdentifierPattern.IsMatch(identifier!))
            {
                throw MongoError.BadValue($"Error parsing array filter :: caused by :: The top-level field name must be an alphanumeric string beginning with a lowercase letter, found '{identifier}'");
            }

            if (!set.filters.TryAdd(identifier!, Filter.Parse(filterDocument)))
            {
                throw MongoError.FailedToParse($"Found multiple array filters with the same top-level field name {identifier}");
            }
        }

        return set;
    }

    public void MarkUsed(string identifier, string path)
    {
        if (!filters.ContainsKey(identifier))
        {
            throw MongoError.BadValue($"No array filter found for identifier '{identifier}' in path '{path}'");
        }

        used.Add(identifier);
    }

    public void CheckAllUsed(BsonDocument update)
    {
        foreach (var identifier in filters.Keys)
        {
            if (!used.Contains(identifier))
            {
                throw MongoError.FailedToParse($"The array filter for identifier '{identifier}' was not used in the update {update}");
            }
        }
    }

    public bool ElementMatches(string identifier, BsonValue element) =>
        filters[identifier].Matches(new BsonDocument(identifier, element));
}
