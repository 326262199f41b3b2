namespace ZonaProcessManager.EmbeddedMongo.Query;

internal sealed class UnsetOperation(string path, string[] parts, ArrayFilterSet filters) : UpdateOperation(path, parts, filters)
{
    protected override void ApplyAt(UpdateContext context, string[] path)
    {
        var parent = UpdatePaths.Get(context.Document, path, path.Length - 1);
        if (parent is not null)
        {
            UpdatePaths.RemoveChild(parent, path[^1]);
        }
    }
}
