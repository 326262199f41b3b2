using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

internal sealed class SetOperation(string path, string[] parts, ArrayFilterSet filters, BsonValue value, bool onlyOnInsert)
    : UpdateOperation(path, parts, filters)
{
    protected override void ApplyAt(UpdateContext context, string[] path)
    {
        if (onlyOnInsert && !context.IsUpsertInsert)
        {
            return;
        }

        var existing = UpdatePaths.Get(context.Document, path);
        if (existing is not null && BsonOrder.Identical(existing, value))
        {
            return;
        }

        UpdatePaths.SetChild(ParentForWrite(context, path), path[^1], value.DeepClone());
    }
}
