using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

internal sealed class RenameOperation(string path, string[] parts, ArrayFilterSet filters, string[] destination)
    : UpdateOperation(path, parts, filters)
{
    protected override void ApplyAt(UpdateContext context, string[] path)
    {
        BsonValue current = context.Document;
        for (int i = 0; i < path.Length - 1; i++)
        {
            var next = UpdatePaths.Child(current, path[i]);
            if (next is null || next is not BsonDocument)
            {
                if (next is BsonArray)
                {
                    throw MongoError.BadValue($"The source field cannot be an array element, '{Path}' in doc with {path[i]}: {next}");
                }

                return;
            }

            current = next;
        }

        var source = (BsonDocument)current;
        if (!source.TryGetValue(path[^1], out var value))
        {
            return;
        }

        BsonValue destinationParent = context.Document;
        for (int i = 0; i < destination.Length - 1; i++)
        {
            var next = UpdatePaths.Child(destinationParent, destination[i]);
            if (next is BsonArray)
            {
                throw MongoError.BadValue($"The destination field cannot be an array element, '{string.Join('.', destination)}' in doc with {destination[i]}: {next}");
            }

            if (next is null)
            {
                break;
            }

            destinationParent = next;
        }

        source.Remove(path[^1]);
        UpdatePaths.SetChild(ParentForWrite(context, destination), destination[^1], value);
    }
}
