using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

internal sealed class CurrentDateOperation(string path, string[] parts, ArrayFilterSet filters, bool timestamp)
    : UpdateOperation(path, parts, filters)
{
    protected override void ApplyAt(UpdateContext context, string[] path)
    {
        BsonValue value = timestamp
            ? new BsonTimestamp((int)new DateTimeOffset(context.Now).ToUnixTimeSeconds(), 1)
            : new BsonDateTime(context.Now);
        UpdatePaths.SetChild(ParentForWrite(context, path), path[^1], value);
    }
}
