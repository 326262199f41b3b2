using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

/// <summary>A parsed sort document such as {a: 1, "b.c": -1}; arrays sort by their min (asc) or max (desc) element as MongoDB does.</summary>
public sealed class SortSpec : IComparer<BsonDocument>
{
    private readonly (string[] Path, bool Descending)[] keys;

    private SortSpec((string[] Path, bool Descending)[] keys, int naturalDirection, Collation? collation)
    {
        this.keys = keys;
        NaturalDirection = naturalDirection;
        this.collation = collation;
    }

    private readonly Collation? collation;

    /// <summary>
    /// {$natural: 1 | -1} asks for storage order rather than a field: it is not a key here, and the caller, which knows
    /// the storage order, reads it from this property (0 when absent).
    /// </summary>
    public int NaturalDirection { get; }

    /// <param name="collation">How strings order; null is MongoDB's simple (binary) collation.</param>
    public static SortSpec Parse(BsonDocument sort, Collation? collation = null)
    {
        ArgumentNullException.ThrowIfNull(sort);
        var keys = new List<(string[], bool)>(sort.ElementCount);
        int naturalDirection = 0;
        foreach (var element in sort)
        {
            if (element.Name.Length == 0)
            {
                throw MongoError.BadValue("The sort key must not be empty");
            }

            var direction = element.Value;
            if (direction is BsonDocument meta && meta.Contains("$meta"))
            {
                throw MongoError.BadValue($"$meta sort by {meta["$meta"]} is not supported by the embedded server");
            }

            if (!BsonTypeNames.IsNumber(direction) || (direction.ToDouble() != 1 && direction.ToDouble() != -1))
            {
                throw new MongoError(15975, "Location15975", "$sort key ordering must be 1 (for ascending) or -1 (for descending)");
            }

            if (element.Name == "$natural")
            {
                naturalDirection = direction.ToDouble() < 0 ? -1 : 1;
                continue;
            }

            keys.Add((FilterParser.SplitPath(element.Name), direction.ToDouble() < 0));
        }

        return new SortSpec([.. keys], naturalDirection, collation);
    }

    /// <summary>True when no field ordering is requested ({} or only $natural).</summary>
    public bool IsEmpty => keys.Length == 0;

    public int Compare(BsonDocument? x, BsonDocument? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null || y is null)
        {
            return x is null ? -1 : 1;
        }

        using var scope = Collation.Use(collation);
        foreach (var (path, descending) in keys)
        {
            int c = BsonOrder.Instance.Compare(KeyOf(x, path, descending), KeyOf(y, path, descending));
            if (c != 0)
            {
                return descending ? -c : c;
            }
        }

        return 0;
    }

    /// <summary>Sorts stably (ties keep their input order), extracting each document's keys once rather than per comparison.</summary>
    public List<BsonDocument> Sort(IEnumerable<BsonDocument> documents)
    {
        var items = documents.Select((document, index) => (Document: document, Index: index, Keys: KeysOf(document))).ToList();
        items.Sort((a, b) =>
        {
            for (int i = 0; i < keys.Length; i++)
            {
                int c = BsonOrder.Instance.Compare(a.Keys[i], b.Keys[i]);
                if (c != 0)
                {
                    return keys[i].Descending ? -c : c;
                }
            }

            return a.Index.CompareTo(b.Index);
        });
        return items.ConvertAll(item => item.Document);
    }

    private BsonValue[] KeysOf(BsonDocument document)
    {
        var result = new BsonValue[keys.Length];
        for (int i = 0; i < keys.Length; i++)
        {
            result[i] = KeyOf(document, keys[i].Path, keys[i].Descending);
        }

        return result;
    }

    /// <summary>
    /// The value a document sorts by on one path: missing is null; an array contributes its smallest element ascending or
    /// its largest descending; an empty array sorts before null.
    /// </summary>
    private static BsonValue KeyOf(BsonDocument document, string[] path, bool descending)
    {
        BsonValue? best = null;
        bool sawEmptyArray = false;
        bool sawAnything = false;
        Collect(document, path, 0, descending, ref best, ref sawEmptyArray, ref sawAnything);
        if (best is not null)
        {
            return best;
        }

        return sawEmptyArray && !sawAnything ? BsonUndefined.Value : BsonNull.Value;
    }

    private static void Collect(BsonValue current, string[] path, int depth, bool descending, ref BsonValue? best, ref bool sawEmptyArray, ref bool sawAnything)
    {
        if (depth == path.Length)
        {
            if (current is BsonArray leafArray)
            {
                if (leafArray.Count == 0)
                {
                    sawEmptyArray = true;
                }

                foreach (var element in leafArray)
                {
                    Consider(element, descending, ref best, ref sawAnything);
                }
            }
            else
            {
                Consider(current, descending, ref best, ref sawAnything);
            }

            return;
        }

        switch (current)
        {
            case BsonDocument document:
                if (document.TryGetValue(path[depth], out var next))
                {
                    Collect(next, path, depth + 1, descending, ref best, ref sawEmptyArray, ref sawAnything);
                }
                else
                {
                    Consider(BsonNull.Value, descending, ref best, ref sawAnything);
                }

                break;
            case BsonArray array:
                if (PathNode.TryParseIndex(path[depth], out int index) && index < array.Count)
                {
                    Collect(array[index], path, depth + 1, descending, ref best, ref sawEmptyArray, ref sawAnything);
                }

                foreach (var element in array)
                {
                    if (element is BsonDocument)
                    {
                        Collect(element, path, depth, descending, ref best, ref sawEmptyArray, ref sawAnything);
                    }
                }

                if (array.Count == 0)
                {
                    sawEmptyArray = true;
                }

                break;
            default:
                Consider(BsonNull.Value, descending, ref best, ref sawAnything);
                break;
        }
    }

    private static void Consider(BsonValue candidate, bool descending, ref BsonValue? best, ref bool sawAnything)
    {
        sawAnything = true;
        if (best is null)
        {
            best = candidate;
            return;
        }

        int c = BsonOrder.Instance.Compare(candidate, best);
        if (descending ? c > 0 : c < 0)
        {
            best = candidate;
        }
    }
}
