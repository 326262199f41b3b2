using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

internal sealed class PushOperation(
    string path,
    string[] parts,
    ArrayFilterSet filters,
    BsonArray values,
    int? position,
    int? slice,
    SortSpec? sortByFields,
    int sortWhole,
    bool addToSet) : UpdateOperation(path, parts, filters)
{
    protected override void ApplyAt(UpdateContext context, string[] path)
    {
        string name = addToSet ? "$addToSet" : "$push";
        var existing = UpdatePaths.Get(context.Document, path);
        BsonArray array;
        if (existing is null)
        {
            array = [];
        }
        else if (existing is BsonArray current)
        {
            array = current;
        }
        else
        {
            throw MongoError.BadValue(
                $"The field '{Path}' must be an array but is of type {BsonTypeNames.NameOf(existing.BsonType)} in document {DescribeId(context)}");
        }

        if (addToSet)
        {
            foreach (var value in values)
            {
                if (!array.Any(item => BsonOrder.ValuesEqual(item, value)))
                {
                    array.Add(value.DeepClone());
                }
            }
        }
        else
        {
            int insertAt = position switch
            {
                null => array.Count,
                < 0 => Math.Max(0, array.Count + position.Value),
                _ => Math.Min(position.Value, array.Count),
            };
            foreach (var value in values)
            {
                array.Insert(insertAt++, value.DeepClone());
            }

            if (sortWhole != 0 || sortByFields is not null)
            {
                var items = sortByFields is not null ? OrderByFields(array, sortByFields) : OrderWhole(array, sortWhole);
                array.Clear();
                array.AddRange(items);
            }

            if (slice is { } n)
            {
                var kept = n >= 0 ? array.Take(n).ToList() : array.Skip(Math.Max(0, array.Count + n)).ToList();
                array.Clear();
                array.AddRange(kept);
            }
        }

        if (existing is null)
        {
            UpdatePaths.SetChild(ParentForWrite(context, path), path[^1], array);
        }
    }

    private static List<BsonValue> OrderWhole(BsonArray array, int direction)
    {
        var indexed = array.Select((value, index) => (Value: value, Index: index)).ToList();
        indexed.Sort((x, y) =>
        {
            int c = direction * BsonOrder.Instance.Compare(x.Value, y.Value);
            return c != 0 ? c : x.Index.CompareTo(y.Index);
        });
        return indexed.ConvertAll(p => p.Value);
    }

    private static List<BsonValue> OrderByFields(BsonArray array, SortSpec spec)
    {
        var indexed = array.Select((value, index) => (Value: value, Index: index)).ToList();
        indexed.Sort((x, y) =>
        {
            int c = spec.Compare(x.Value as BsonDocument ?? [], y.Value as BsonDocument ?? []);
            return c != 0 ? c : x.Index.CompareTo(y.Index);
        });
        return indexed.ConvertAll(p => p.Value);
    }
}
