using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

internal sealed class PullOperation(string path, string[] parts, ArrayFilterSet filters, Func<BsonValue, bool> shouldRemove, string operatorName)
    : UpdateOperation(path, parts, filters)
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
            throw MongoError.BadValue($"Cannot apply {operatorName} to a non-array value");
        }

        for (int i = array.Count - 1; i >= 0; i--)
        {
            if (shouldRemove(array[i]))
            {
                array.RemoveAt(i);
            }
        }
    }
}
