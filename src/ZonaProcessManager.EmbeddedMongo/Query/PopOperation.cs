using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

internal sealed class PopOperation(string path, string[] parts, ArrayFilterSet filters, bool first) : UpdateOperation(path, parts, filters)
{
    protected override void ApplyAt(UpdateContext context, string[] path)
    {
        var existing = UpdatePaths.Get(context.Document, path);
        if (existing is null)
        {
            return;
        }

        if (existing is not BsonArray array)
        {
            throw MongoError.TypeMismatch($"Path '{Path}' contains an element of non-array type '{BsonTypeNames.NameOf(existing.BsonType)}'");
        }

        if (array.Count > 0)
        {
            array.RemoveAt(first ? 0 : array.Count - 1);
        }
    }
}
