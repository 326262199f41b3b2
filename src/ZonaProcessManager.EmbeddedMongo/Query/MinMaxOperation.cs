using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

internal sealed class MinMaxOperation(string path, string[] parts, ArrayFilterSet filters, BsonValue operand, bool isMax)
    : UpdateOperation(path, parts, filters)
{
    protected override void ApplyAt(UpdateContext context, string[] path)
    {
        var existing = UpdatePaths.Get(context.Document, path);
        if (existing is not null)
        {
            int c = BsonOrder.Instance.Compare(operand, existing);
            if (isMax ? c <= 0 : c >= 0)
            {
                return;
            }
        }

        UpdatePaths.SetChild(ParentForWrite(context, path), path[^1], operand.DeepClone());
    }
}
