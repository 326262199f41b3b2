using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Cursors;
using ZonaProcessManager.EmbeddedMongo.Query;
using ZonaProcessManager.EmbeddedMongo.Storage;

namespace ZonaProcessManager.EmbeddedMongo.Commands;

/// <summary>listCollections, create, collMod, drop, renameCollection.</summary>
public static class CollectionCommands
{
    /// <summary>The create options a collection keeps; the rest of a create command is request plumbing.</summary>
    private static readonly string[] StoredOptions =
        ["validator", "validationLevel", "validationAction", "collation", "changeStreamPreAndPostImages", "storageEngine", "indexOptionDefaults"];

    public static ValueTask<BsonDocument> ListCollections(CommandContext context)
    {
        var filter = context.OptionalDocument("filter") is { } filterDocument ? Filter.Parse(filterDocument) : null;
        var nameOnly = context.Flag("nameOnly");
        var entries = new List<BsonDocument>();
        foreach (var collection in context.Catalog.InDatabase(context.Database))
        {
            var entry = collection.IsView ? new BsonDocument
            {
                { "name", collection.Name },
                { "type", "view" },
                { "options", collection.Options },
                { "info", new BsonDocument("readOnly", true) },
            } : new BsonDocument
            {
                { "name", collection.Name },
                { "type", "collection" },
                { "options", collection.Options },
                { "info", new BsonDocument { { "readOnly", false }, { "uuid", new BsonBinaryData(collection.Uuid, GuidRepresentation.Standard) } } },
                { "idIndex", new BsonDocument { { "v", 2 }, { "key", new BsonDocument("_id", 1) }, { "name", "_id_" } } },
            };
            if (filter is null || filter.Matches(entry))
            {
                entries.Add(nameOnly ? new BsonDocument { { "name", collection.Name }, { "type", entry["type"] } } : entry);
            }
        }

        var cursorOptions = context.OptionalDocument("cursor");
        return CursorReplies.FirstBatchAsync(context, new ListCursor($"{context.Database}.$cmd.listCollections", entries), CursorReplies.BatchSize(context, cursorOptions ?? []));
    }

    public static ValueTask<BsonDocument> Create(CommandContext context)
    {
        var name = context.CollectionName;
        if (context.Body.Contains("viewOn") || context.Body.Contains("pipeline"))
        {
            return CreateView(context, name);
        }

        if (context.Flag("capped") || context.Body.Contains("timeseries") || context.Body.Contains("clusteredIndex"))
        {
            throw MongoError.InvalidOptions("capped, time-series and clustered collections are not supported by the embedded server");
        }

        var options = new BsonDocument(context.Body.Where(e => StoredOptions.Contains(e.Name)));
        CheckValidationOptions(options);
        // The default collation is kept in full, as listCollections shows it; the simple collation is no default at all.
        if (options.Contains("collation"))
        {
            if (Collation.Parse(options["collation"]) is { } collation)
            {
                options["collation"] = collation.Spec;
            }
            else
            {
                options.Remove("collation");
            }
        }
        context.Write(write =>
        {
            var existing = write.Catalog.Find(context.Database, name);
            if (existing is not null)
            {
                // MongoDB 7 accepts a repeated create with identical options; only different options are a conflict.
                if (existing.Options.Equals(options))
                {
                    return 0;
                }

                throw MongoError.NamespaceExists($"Collection {context.Database}.{name} already exists.");
            }

            write.CreateCollection(context.Database, name, options);
            return 0;
        });
        return ValueTask.FromResult(new BsonDocument("ok", 1.0));
    }

    /// <summary>create with viewOn and pipeline: a read-only view, stored in the catalog beside the collections.</summary>
    private static ValueTask<BsonDocument> CreateView(CommandContext context, string name)
    {
        var options = Views.CreateOptions(context);
        context.Write(write =>
        {
            if (write.Catalog.Find(context.Database, name) is { } existing)
            {
                if (existing.IsView && existing.Options.Equals(options))
                {
                    return 0;
                }

                throw MongoError.NamespaceExists($"Namespace {context.Database}.{name} already exists");
            }

            Views.RejectCycle(write.Catalog, context.Database, name, options["viewOn"].AsString, options["pipeline"].AsBsonArray);
            write.CreateCollection(context.Database, name, options);
            return 0;
        });
        return ValueTask.FromResult(new BsonDocument("ok", 1.0));
    }

    /// <summary>collMod of a view: a new viewOn and/or pipeline; nothing else applies to a view.</summary>
    private static void ModifyView(CommandContext context, WriteScope write, CollectionMeta view)
    {
        foreach (var element in context.Body.Skip(1))
        {
            if (element.Name is not ("viewOn" or "pipeline") && !IsRequestField(element.Name))
            {
                throw MongoError.InvalidOptions($"option not supported on a view: {element.Name}");
            }
        }

        var options = (BsonDocument)view.Options.DeepClone();
        if (context.Body.TryGetValue("viewOn", out var viewOn))
        {
            options["viewOn"] = viewOn is BsonString { Value.Length: > 0 } on ? on : throw MongoError.TypeMismatch("'viewOn' must be a non-empty string");
        }

        if (context.Body.TryGetValue("pipeline", out var pipeline))
        {
            options["pipeline"] = Views.CheckPipeline(pipeline as BsonArray ?? throw MongoError.TypeMismatch("'pipeline' must be an array"));
        }

        Views.RejectCycle(write.Catalog, context.Database, view.Name, options["viewOn"].AsString, options["pipeline"].AsBsonArray);
        write.SetOptions(view, options);
    }

    private static bool IsRequestField(string name) =>
        name is "$db" or "lsid" or "txnNumber" or "$clusterTime" or "$readPreference" or "writeConcern" or "comment" or "maxTimeMS" or "apiVersion" or "apiStrict" or "apiDeprecationErrors";

    public static ValueTask<BsonDocument> CollMod(CommandContext context)
    {
        var name = context.CollectionName;
        var reply = new BsonDocument();
        context.Write(write =>
        {
            var collection = write.Catalog.Find(context.Database, name)
                ?? throw MongoError.NamespaceNotFound($"ns does not exist: {context.Database}.{name}");
            if (collection.IsView)
            {
                ModifyView(context, write, collection);
                return 0;
            }

            if (context.Body.Contains("viewOn") || context.Body.Contains("pipeline"))
            {
                throw MongoError.InvalidOptions($"{collection.Namespace} is a collection, not a view: 'viewOn' and 'pipeline' apply to views only");
            }
            var options = (BsonDocument)collection.Options.DeepClone();
            // What the command changed, as the modify change event describes it.
            var change = new BsonDocument();
            foreach (var field in new[] { "validator", "validationLevel", "validationAction", "changeStreamPreAndPostImages" })
            {
                if (context.Body.TryGetValue(field, out var value))
                {
                    options[field] = value;
                    change[field] = value;
                }
            }

            CheckValidationOptions(options);
            BsonDocument? indexBefore = null;
            if (context.OptionalDocument("index") is { } indexChange)
            {
                var index = FindIndex(collection, indexChange)
                    ?? throw new MongoError(27, "IndexNotFound", $"cannot find index {indexChange} for ns {collection.Namespace}");
                change["index"] = indexChange;
                if (indexChange.TryGetValue("expireAfterSeconds", out var seconds))
                {
                    var spec = (BsonDocument)index.Spec.DeepClone();
                    indexBefore = new BsonDocument();
                    if (spec.TryGetValue("expireAfterSeconds", out var old))
                    {
                        reply["expireAfterSeconds_old"] = old;
                        indexBefore["expireAfterSeconds"] = old;
                    }

                    spec["expireAfterSeconds"] = seconds;
                    // The same index with a new option: not a dropIndexes and a createIndexes to change streams.
                    write.DropIndex(collection, index, announce: false);
                    write.CreateIndex(write.Catalog.Find(context.Database, name)!, spec, announce: false);
                    collection = write.Catalog.Find(context.Database, name)!;
                    reply["expireAfterSeconds_new"] = seconds;
                }
            }

            write.SetOptions(collection, options, change, indexBefore);
            return 0;
        });
        return ValueTask.FromResult(reply);
    }

    public static ValueTask<BsonDocument> Drop(CommandContext context)
    {
        var name = context.CollectionName;
        var dropped = context.Write(write =>
        {
            var collection = write.Catalog.Find(context.Database, name);
            if (collection is null)
            {
                return (CollectionMeta?)null;
            }

            write.DropCollection(collection);
            return collection;
        });
        if (dropped is null)
        {
            // MongoDB 7 answers ok for a missing collection; drivers ignore NamespaceNotFound anyway.
            return ValueTask.FromResult(new BsonDocument("ok", 1.0));
        }

        return ValueTask.FromResult(new BsonDocument { { "nIndexesWas", dropped.Indexes.Count }, { "ns", dropped.Namespace } });
    }

    public static ValueTask<BsonDocument> RenameCollection(CommandContext context)
    {
        if (context.Database != "admin")
        {
            throw new MongoError(13, "Unauthorized", "renameCollection may only be run against the admin database.");
        }

        var (sourceDb, sourceName) = SplitNamespace(context.CommandValue.AsString);
        var (targetDb, targetName) = SplitNamespace(context.Body.GetValue("to", BsonNull.Value) is BsonString to ? to.Value : throw MongoError.BadValue("'to' must be a namespace string"));
        var dropTarget = context.Flag("dropTarget");
        context.Write(write =>
        {
            var source = write.Catalog.Find(sourceDb, sourceName)
                ?? throw MongoError.NamespaceNotFound($"Source collection {sourceDb}.{sourceName} does not exist");
            if (source.IsView || write.Catalog.Find(targetDb, targetName) is { IsView: true })
            {
                throw new MongoError(166, "CommandNotSupportedOnView", $"cannot rename view: {(source.IsView ? source.Namespace : $"{targetDb}.{targetName}")}");
            }

            if (sourceDb == targetDb && sourceName == targetName)
            {
                throw new MongoError(20, "IllegalOperation", "Can't rename a collection to itself");
            }

            write.Rename(source, targetDb, targetName, dropTarget);
            return 0;
        });
        return ValueTask.FromResult(new BsonDocument("ok", 1.0));
    }

    /// <summary>changeStreamPreAndPostImages must be {enabled: &lt;bool&gt;}; MongoDB's codes for anything else.</summary>
    private static void CheckPreAndPostImagesOption(BsonValue images)
    {
        if (images is not BsonDocument document)
        {
            throw MongoError.TypeMismatch($"BSON field 'changeStreamPreAndPostImages' is the wrong type '{Query.BsonTypeNames.NameOf(images.BsonType)}', expected type 'object'");
        }

        foreach (var element in document)
        {
            if (element.Name != "enabled")
            {
                throw new MongoError(40415, "Location40415", $"BSON field 'changeStreamPreAndPostImages.{element.Name}' is an unknown field.");
            }
        }

        if (!document.TryGetValue("enabled", out var enabled))
        {
            throw new MongoError(40414, "Location40414", "BSON field 'changeStreamPreAndPostImages.enabled' is missing but a required field");
        }

        if (enabled is not BsonBoolean)
        {
            throw MongoError.TypeMismatch($"BSON field 'changeStreamPreAndPostImages.enabled' is the wrong type '{Query.BsonTypeNames.NameOf(enabled.BsonType)}', expected type 'bool'");
        }
    }

    public static (string Database, string Collection) SplitNamespace(string ns)
    {
        var dot = ns.IndexOf('.');
        if (dot <= 0 || dot == ns.Length - 1)
        {
            throw new MongoError(73, "InvalidNamespace", $"Invalid namespace specified '{ns}'");
        }

        return (ns[..dot], ns[(dot + 1)..]);
    }

    public static IndexMeta? FindIndex(CollectionMeta collection, BsonDocument change)
    {
        if (change.TryGetValue("name", out var name))
        {
            return collection.Indexes.FirstOrDefault(i => i.Name == name.AsString);
        }

        return change.TryGetValue("keyPattern", out var key)
            ? collection.Indexes.FirstOrDefault(i => i.Key.Equals(key))
            : null;
    }

    private static void CheckValidationOptions(BsonDocument options)
    {
        if (options.TryGetValue("changeStreamPreAndPostImages", out var images))
        {
            CheckPreAndPostImagesOption(images);
        }

        if (options.TryGetValue("validationLevel", out var level) && level.AsString is not ("off" or "strict" or "moderate"))
        {
            throw MongoError.BadValue($"Enumeration value '{level}' for field 'validationLevel' is not a valid value.");
        }

        if (options.TryGetValue("validationAction", out var action) && action.AsString is not ("error" or "warn"))
        {
            throw MongoError.BadValue($"Enumeration value '{action}' for field 'validationAction' is not a valid value.");
        }
    }
}
