using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Aggregation;
using ZonaProcessManager.EmbeddedMongo.ChangeStreams;
using ZonaProcessManager.EmbeddedMongo.Storage;

namespace ZonaProcessManager.EmbeddedMongo.Commands;

/// <summary>A namespace as reads see it: the collection holding the documents, and the pipelines of the views in between.</summary>
public sealed record ResolvedNamespace(CollectionMeta? Collection, BsonArray ViewPipeline, bool IsView);

/// <summary>
/// Reads through views as MongoDB does: a view's documents are its pipeline run over what it is defined on (a collection
/// or another view), evaluated at read time. find, count, distinct and aggregate on a view read these documents.
/// </summary>
public static class Views
{
    /// <summary>MongoDB's limit on views defined on views.</summary>
    public const int MaxDepth = 20;

    /// <summary>Options create accepts besides viewOn and pipeline on a view; every other collection option is refused.</summary>
    private static readonly HashSet<string> CreateFields =
    [
        "create", "viewOn", "pipeline", "collation", "$db", "lsid", "txnNumber", "autocommit", "startTransaction", "$clusterTime", "$readPreference",
        "writeConcern", "comment", "apiVersion", "apiStrict", "apiDeprecationErrors", "maxTimeMS",
    ];

    public static ResolvedNamespace Resolve(Catalog catalog, string database, string name)
    {
        var pipeline = new List<BsonValue>();
        var current = catalog.Find(database, name);
        var depth = 0;
        while (current is { IsView: true })
        {
            if (++depth > MaxDepth)
            {
                throw new MongoError(149, "ViewDepthLimitExceeded", $"View depth too deep or view cycle detected. Maximum depth is {MaxDepth}");
            }

            pipeline.InsertRange(0, current.Options["pipeline"].AsBsonArray);
            current = catalog.Find(database, current.Options["viewOn"].AsString);
        }

        return new ResolvedNamespace(current, new BsonArray(pipeline), depth > 0);
    }

    /// <summary>The documents a view shows, computed now (a view's collation is always the simple one here).</summary>
    public static List<BsonDocument> Documents(CommandContext context, ResolvedNamespace view)
    {
        RejectCollation(context);
        var input = view.Collection is null ? [] : context.Read(read => read.All(view.Collection)).Select(d => d.Document);
        return Pipeline.Parse(view.ViewPipeline).Execute(input, new StoreAggregationSource(context.Store, context.Database)).ToList();
    }

    /// <summary>A view's collation is fixed at creation (simple here): MongoDB refuses an operation asking for another one.</summary>
    public static void RejectCollation(CommandContext context)
    {
        if (context.Body.GetValue("collation", BsonNull.Value) is BsonDocument requested && Query.Collation.Parse(requested) is not null)
        {
            throw new MongoError(167, "OptionNotSupportedOnView", "Cannot override a view's default collation");
        }
    }

    /// <summary>The stored options of a view from a create command: viewOn and pipeline, checked as MongoDB checks them.</summary>
    public static BsonDocument CreateOptions(CommandContext context)
    {
        foreach (var element in context.Body)
        {
            if (!CreateFields.Contains(element.Name))
            {
                throw MongoError.InvalidOptions($"option not supported on a view: {element.Name}");
            }
        }

        if (context.Body.GetValue("collation", BsonNull.Value) is BsonDocument collation && Query.Collation.Parse(collation) is not null)
        {
            throw CommandOptions.NotImplemented("create.collation on a view");
        }

        var viewOn = context.Body.GetValue("viewOn", BsonNull.Value) is BsonString on
            ? on.Value
            : throw MongoError.TypeMismatch("BSON field 'create.viewOn' is the wrong type, expected type 'string'");
        if (viewOn.Length == 0)
        {
            throw new MongoError(73, "InvalidNamespace", $"invalid namespace name for a view: {context.Database}.{viewOn}");
        }

        var pipeline = context.Body.GetValue("pipeline", new BsonArray()) as BsonArray
            ?? throw MongoError.TypeMismatch("BSON field 'create.pipeline' is the wrong type, expected type 'array'");
        return new BsonDocument { { "viewOn", viewOn }, { "pipeline", CheckPipeline(pipeline) } };
    }

    /// <summary>A view's pipeline must parse and must not write (MongoDB: 167 for $out and $merge in a view).</summary>
    public static BsonArray CheckPipeline(BsonArray pipeline)
    {
        foreach (var stage in pipeline)
        {
            if (stage is BsonDocument { ElementCount: 1 } document && document.GetElement(0).Name is "$out" or "$merge" or "$changeStream")
            {
                throw new MongoError(167, "OptionNotSupportedOnView", $"{document.GetElement(0).Name} cannot be used in a view definition");
            }
        }

        _ = Pipeline.Parse(pipeline);
        return pipeline;
    }

    /// <summary>
    /// Refuses a view definition that would make the view read itself, through viewOn or a $lookup (also inside
    /// $facet or a $lookup's own pipeline) of it or of a view that reads it (MongoDB: 93 GraphContainsCycle).
    /// </summary>
    public static void RejectCycle(Catalog catalog, string database, string view, string viewOn, BsonArray pipeline)
    {
        var pending = new Queue<string>([viewOn, .. ReferencedCollections(pipeline)]);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.TryDequeue(out var name))
        {
            if (name == view)
            {
                throw new MongoError(93, "GraphContainsCycle", $"View cycle detected: {database}.{view} would read itself");
            }

            if (seen.Add(name) && catalog.Find(database, name) is { IsView: true } next)
            {
                pending.Enqueue(next.Options["viewOn"].AsString);
                foreach (var referenced in ReferencedCollections(next.Options["pipeline"].AsBsonArray))
                {
                    pending.Enqueue(referenced);
                }
            }
        }
    }

    /// <summary>The collections a pipeline reads besides its input: $lookup's from, also in nested pipelines.</summary>
    private static IEnumerable<string> ReferencedCollections(BsonArray pipeline)
    {
        foreach (var stage in pipeline.OfType<BsonDocument>().Where(s => s.ElementCount == 1))
        {
            var (name, spec) = (stage.GetElement(0).Name, stage[0]);
            if (name == "$lookup" && spec is BsonDocument lookup)
            {
                if (lookup.GetValue("from", BsonNull.Value) is BsonString from)
                {
                    yield return from.Value;
                }

                if (lookup.GetValue("pipeline", BsonNull.Value) is BsonArray inner)
                {
                    foreach (var referenced in ReferencedCollections(inner))
                    {
                        yield return referenced;
                    }
                }
            }
            else if (name == "$facet" && spec is BsonDocument facets)
            {
                foreach (var referenced in facets.Values.OfType<BsonArray>().SelectMany(ReferencedCollections))
                {
                    yield return referenced;
                }
            }
        }
    }
}
