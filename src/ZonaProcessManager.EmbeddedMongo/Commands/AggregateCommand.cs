using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Aggregation;
using ZonaProcessManager.EmbeddedMongo.ChangeStreams;
using ZonaProcessManager.EmbeddedMongo.Cursors;
using ZonaProcessManager.EmbeddedMongo.Query;

namespace ZonaProcessManager.EmbeddedMongo.Commands;

/// <summary>
/// aggregate: a pipeline over a collection or a view through the engine; over $documents, $currentOp or
/// $listLocalSessions with <c>aggregate: 1</c>; a change stream when it starts with $changeStream. A final $out or
/// $merge writes the results and answers an empty cursor.
/// </summary>
public static class AggregateCommand
{
    private static readonly string[] ChangeStreamOptions =
        ["fullDocument", "fullDocumentBeforeChange", "resumeAfter", "startAfter", "startAtOperationTime", "allChangesForCluster", "showExpandedEvents", "showSystemEvents", "allowToRunOnConfigDB"];

    private static readonly string[] StagesAllowedAfterChangeStream =
        ["$match", "$project", "$addFields", "$set", "$unset", "$replaceRoot", "$replaceWith", "$redact"];

    /// <summary>
    /// Every stage name MongoDB 7.0 knows: after $changeStream one of these that is not allowed there answers 20
    /// IllegalOperation, any other name 40324 as from MongoDB's parser.
    /// </summary>
    private static readonly HashSet<string> KnownStages =
    [
        "$addFields", "$bucket", "$bucketAuto", "$changeStream", "$changeStreamSplitLargeEvent", "$collStats", "$count", "$currentOp",
        "$densify", "$documents", "$facet", "$fill", "$geoNear", "$graphLookup", "$group", "$indexStats", "$limit", "$listCatalog",
        "$listLocalSessions", "$listSampledQueries", "$listSearchIndexes", "$listSessions", "$lookup", "$match", "$merge", "$out",
        "$planCacheStats", "$project", "$redact", "$replaceRoot", "$replaceWith", "$sample", "$search", "$searchMeta", "$set",
        "$setWindowFields", "$shardedDataDistribution", "$skip", "$sort", "$sortByCount", "$unionWith", "$unset", "$unwind", "$vectorSearch",
    ];

    public static ValueTask<BsonDocument> Execute(CommandContext context)
    {
        if (context.Body.GetValue("pipeline", BsonNull.Value) is not BsonArray pipeline)
        {
            throw MongoError.TypeMismatch("'pipeline' option must be specified as an array");
        }

        if (context.Flag("explain"))
        {
            throw new MongoError(20, "IllegalOperation", "explain is not supported by the embedded server");
        }

        var cursorOptions = context.OptionalDocument("cursor")
            ?? throw MongoError.FailedToParse("The 'cursor' option is required, except for aggregate with the explain argument");
        var collectionless = context.CommandValue.IsNumeric;
        if (!collectionless)
        {
            _ = context.CollectionName;
        }

        if (pipeline.Count > 0 && pipeline[0] is BsonDocument first && first.ElementCount == 1 && first.GetElement(0).Name == "$changeStream")
        {
            return OpenChangeStream(context, first[0] as BsonDocument ?? throw MongoError.TypeMismatch("$changeStream must be an object"),
                new BsonArray(pipeline.Skip(1)), collectionless, cursorOptions);
        }

        foreach (var stage in pipeline.OfType<BsonDocument>().Skip(1))
        {
            if (stage.ElementCount > 0 && stage.GetElement(0).Name == "$changeStream")
            {
                throw new MongoError(40602, "Location40602", "$changeStream is only valid as the first stage in a pipeline.");
            }
        }

        var firstStage = pipeline.Count > 0 && pipeline[0] is BsonDocument { ElementCount: 1 } firstDocument ? firstDocument.GetElement(0) : (BsonElement?)null;
        var startsWithSource = firstStage is { } sourceStage && CollectionlessSources.StageNames.Contains(sourceStage.Name);
        if (collectionless != startsWithSource)
        {
            throw collectionless
                ? new MongoError(73, "InvalidNamespace", $"{{aggregate: 1}} is not valid for '{firstStage?.Name ?? "an empty pipeline"}'; a collection is required.")
                : CollectionlessSources.NeedsAggregateOne(firstStage!.Value.Name);
        }

        var variables = context.Variables();
        IEnumerable<BsonDocument> input;
        Pipeline parsed;
        Collation? collation;
        string ns;
        if (collectionless)
        {
            ns = $"{context.Database}.$cmd.aggregate";
            collation = context.CommandCollation(null);
            parsed = Pipeline.Parse(new BsonArray(pipeline.Skip(1)));
            using var sourceVariables = CommandVariables.Use(variables);
            input = CollectionlessSources.Produce(context, firstStage!.Value.Name, firstStage.Value.Value).ToList();
        }
        else
        {
            var name = context.CollectionName;
            ns = $"{context.Database}.{name}";
            var resolved = Views.Resolve(context.Catalog, context.Database, name);
            if (resolved.IsView)
            {
                // A view's pipeline runs first, then the command's, over the collection the view reads.
                Views.RejectCollation(context);
                collation = null;
                parsed = Pipeline.Parse(new BsonArray(resolved.ViewPipeline.Concat(pipeline)));
                input = resolved.Collection is null ? [] : context.Read(read => read.All(resolved.Collection)).Select(d => d.Document);
            }
            else
            {
                parsed = Pipeline.Parse(pipeline);
                var collection = resolved.Collection;
                collation = context.CommandCollation(collection);
                // The leading $match picks documents in storage, away from this thread's collation and variables: it carries its own.
                var leadingMatch = parsed.LeadingMatch is null ? Filter.MatchAll : Filter.Parse(pipeline[0].AsBsonDocument[0].AsBsonDocument, collation, variables);
                input = collection is null
                    ? []
                    : context.Read(read => read.Find(collection, leadingMatch)).Select(d => d.Document);
            }
        }

        // Every stage compares strings by the command's collation and sees its let variables while the results are listed.
        List<BsonDocument> results;
        using (Collation.Use(collation))
        using (CommandVariables.Use(variables))
        {
            results = parsed.Execute(input, new StoreAggregationSource(context.Store, context.Database)).ToList();
        }

        if (parsed.Output is { } output)
        {
            AggregateOutput.Write(context, output, results);
            results = [];
        }

        return CursorReplies.FirstBatchAsync(context, new ListCursor(ns, results), CursorReplies.BatchSize(context, cursorOptions));
    }

    private static ValueTask<BsonDocument> OpenChangeStream(CommandContext context, BsonDocument spec, BsonArray stages, bool collectionless, BsonDocument cursorOptions)
    {
        if (string.IsNullOrEmpty(context.Server.Options.ReplicaSetName))
        {
            throw new MongoError(40573, "Location40573", "The $changeStream stage is only supported on replica sets");
        }

        foreach (var element in spec)
        {
            if (!ChangeStreamOptions.Contains(element.Name))
            {
                throw new MongoError(40415, "Location40415", $"BSON field '$changeStream.{element.Name}' is an unknown field.");
            }
        }

        var fullDocument = spec.GetValue("fullDocument", "default").AsString switch
        {
            "default" => FullDocumentMode.Default,
            "updateLookup" => FullDocumentMode.UpdateLookup,
            "whenAvailable" => FullDocumentMode.WhenAvailable,
            "required" => FullDocumentMode.Required,
            var other => throw MongoError.BadValue($"Enumeration value '{other}' for field '$changeStream.fullDocument' is not a valid value."),
        };
        var fullDocumentBeforeChange = spec.GetValue("fullDocumentBeforeChange", "off").AsString switch
        {
            "off" => FullDocumentMode.Default,
            "whenAvailable" => FullDocumentMode.WhenAvailable,
            "required" => FullDocumentMode.Required,
            var other => throw MongoError.BadValue($"Enumeration value '{other}' for field '$changeStream.fullDocumentBeforeChange' is not a valid value."),
        };
        var showExpandedEvents = spec.GetValue("showExpandedEvents", false) switch
        {
            BsonBoolean flag => flag.Value,
            var other => throw MongoError.TypeMismatch($"BSON field '$changeStream.showExpandedEvents' is the wrong type '{BsonTypeNames.NameOf(other.BsonType)}', expected type 'bool'"),
        };
        var resumeOptions = new[] { "resumeAfter", "startAfter", "startAtOperationTime" }.Count(spec.Contains);
        if (resumeOptions > 1)
        {
            throw new MongoError(40674, "Location40674", "Only one type of resume option is allowed, but multiple were found.");
        }

        ChangeStreamScope scope;
        string ns;
        if (spec.GetValue("allChangesForCluster", false).ToBoolean())
        {
            if (context.Database != "admin" || !collectionless)
            {
                throw MongoError.InvalidOptions("A collection-less, cluster-wide $changeStream must be run on the admin database with {aggregate: 1}");
            }

            scope = new ChangeStreamScope(null, null);
            ns = "admin.$cmd.aggregate";
        }
        else if (collectionless)
        {
            if (context.Database is "admin" or "config" or "local")
            {
                throw new MongoError(73, "InvalidNamespace", $"$changeStream may not be opened on the internal {context.Database} database");
            }

            scope = new ChangeStreamScope(context.Database, null);
            ns = $"{context.Database}.$cmd.aggregate";
        }
        else
        {
            if (context.Catalog.Find(context.Database, context.CollectionName) is { IsView: true } view)
            {
                throw MongoError.NotSupportedOnView(view.Namespace);
            }

            scope = new ChangeStreamScope(context.Database, context.CollectionName);
            ns = $"{context.Database}.{context.CollectionName}";
        }

        foreach (var stage in stages)
        {
            if (stage is not BsonDocument { ElementCount: 1 } stageDocument)
            {
                throw new MongoError(40323, "Location40323", "A pipeline stage specification object must contain exactly one field.");
            }

            var stageName = stageDocument.GetElement(0).Name;
            if (!KnownStages.Contains(stageName))
            {
                throw new MongoError(40324, "Location40324", $"Unrecognized pipeline stage name: '{stageName}'");
            }

            if (stageName == "$changeStreamSplitLargeEvent")
            {
                throw new MongoError(238, "NotImplemented", "$changeStreamSplitLargeEvent is not supported by the embedded server");
            }

            if (!StagesAllowedAfterChangeStream.Contains(stageName))
            {
                throw new MongoError(20, "IllegalOperation", $"{stageName} is not permitted in a $changeStream pipeline");
            }
        }

        var pipeline = stages.Count > 0 ? Pipeline.Parse(stages) : null;
        var (position, pendingInvalidate) = context.Read(read =>
        {
            var (prunedSequence, prunedTimestamp) = read.PrunedThrough();
            var tokenValue = spec.GetValue("resumeAfter", BsonNull.Value);
            var isStartAfter = false;
            if (tokenValue.IsBsonNull && spec.TryGetValue("startAfter", out var startAfter))
            {
                tokenValue = startAfter;
                isStartAfter = true;
            }

            if (!tokenValue.IsBsonNull)
            {
                var token = ResumeToken.Parse(tokenValue);
                if (token.IsInvalidate && !isStartAfter)
                {
                    throw new MongoError(260, "InvalidResumeToken",
                        "Attempting to resume a change stream using 'resumeAfter' is not allowed from an invalidate notification.");
                }

                if (token.Sequence < prunedSequence)
                {
                    throw ChangeStreamCursor.HistoryLost();
                }

                var atToken = token.IsInvalidate || token.Sequence == 0
                    ? null
                    : read.ReadChanges(token.Sequence - 1, token.Sequence, null, null, 1).FirstOrDefault();
                return (token.Sequence, atToken is not null && scope.IsInvalidatedBy(atToken) ? atToken : null);
            }

            if (spec.TryGetValue("startAtOperationTime", out var operationTime))
            {
                var timestamp = operationTime is BsonTimestamp ts ? ts.Value : throw MongoError.TypeMismatch("startAtOperationTime must be a timestamp");
                if (prunedTimestamp != 0 && timestamp <= prunedTimestamp)
                {
                    throw ChangeStreamCursor.HistoryLost();
                }

                return (read.SequenceBefore(timestamp), (Storage.ChangeRecord?)null);
            }

            return (read.LastSequence(), (Storage.ChangeRecord?)null);
        });
        var cursor = new ChangeStreamCursor(ns, context.Store, scope, fullDocument, fullDocumentBeforeChange, showExpandedEvents, pipeline, position, pendingInvalidate, context.Server.Options.Time);
        return CursorReplies.FirstBatchAsync(context, cursor, CursorReplies.BatchSize(context, cursorOptions));
    }
}
