using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Aggregation;
using ZonaProcessManager.EmbeddedMongo.Cursors;
using ZonaProcessManager.EmbeddedMongo.Storage;

namespace ZonaProcessManager.EmbeddedMongo.ChangeStreams;

/// <summary>
/// A change-stream cursor over the durable journal. Each batch reads the journal past its position, shapes events,
/// runs the stages after $changeStream, and reports the position reached as postBatchResumeToken. An awaitData getMore
/// with nothing to return sleeps on the store's commit signal until a change commits or maxTimeMS passes.
/// </summary>
public sealed class ChangeStreamCursor : ServerCursor
{
    private const int JournalPage = 256;
    private static readonly TimeSpan DefaultAwait = TimeSpan.FromSeconds(1);

    /// <summary>Events about collections and indexes that MongoDB shows only to streams opened with showExpandedEvents.</summary>
    private static readonly HashSet<string> ExpandedOnlyEvents = ["create", "createIndexes", "dropIndexes", "modify"];

    /// <summary>Event fields MongoDB adds only with showExpandedEvents.</summary>
    private static readonly string[] ExpandedFields = ["collectionUUID", "operationDescription", "stateBeforeChange"];

    private readonly MongoStore store;
    private readonly ChangeStreamScope scope;
    private readonly FullDocumentMode fullDocument;
    private readonly FullDocumentMode fullDocumentBeforeChange;
    private readonly bool showExpandedEvents;
    private readonly Pipeline? pipeline;
    private readonly IAggregationSource source;
    private readonly TimeProvider time;
    private long position;
    private ChangeRecord? pendingInvalidate;
    private bool closed;

    /// <param name="fullDocumentBeforeChange">Default means off; WhenAvailable and Required as the option of that name.</param>
    public ChangeStreamCursor(string ns, MongoStore store, ChangeStreamScope scope, FullDocumentMode fullDocument, FullDocumentMode fullDocumentBeforeChange,
        bool showExpandedEvents, Pipeline? pipeline, long position, ChangeRecord? pendingInvalidate, TimeProvider? time = null)
        : base(ns)
    {
        this.time = time ?? TimeProvider.System;
        this.store = store;
        this.scope = scope;
        this.fullDocument = fullDocument;
        this.fullDocumentBeforeChange = fullDocumentBeforeChange;
        this.showExpandedEvents = showExpandedEvents;
        this.pipeline = pipeline;
        this.position = position;
        this.pendingInvalidate = pendingInvalidate;
        source = new StoreAggregationSource(store, scope.Database ?? "admin");
    }

    public override async ValueTask<CursorBatch> NextBatchAsync(int? batchSize, TimeSpan? maxAwait, bool isFirstBatch, CancellationToken cancellationToken)
    {
        var limit = batchSize is > 0 ? batchSize.Value : isFirstBatch ? 101 : int.MaxValue;
        var deadline = time.GetUtcNow() + (isFirstBatch ? TimeSpan.Zero : maxAwait ?? DefaultAwait);
        var results = new BsonArray();
        var lastTimestamp = 0L;
        while (!closed && results.Count < limit)
        {
            if (pendingInvalidate is { } invalidating)
            {
                var token = new ResumeToken(invalidating.Timestamp, invalidating.Sequence, IsInvalidate: true);
                results.Add(new BsonDocument
                {
                    { "_id", token.ToDocument() },
                    { "operationType", "invalidate" },
                    { "clusterTime", new BsonTimestamp(invalidating.Timestamp) },
                    { "wallTime", new BsonDateTime(invalidating.WallMilliseconds) },
                });
                lastTimestamp = invalidating.Timestamp;
                pendingInvalidate = null;
                closed = true;
                break;
            }

            var (through, changes) = store.Read(read =>
            {
                var (prunedSequence, _) = read.PrunedThrough();
                if (position < prunedSequence)
                {
                    throw HistoryLost();
                }

                var last = read.LastSequence();
                return (last, read.ReadChanges(position, last, scope.Database, scope.Collection, JournalPage));
            });
            foreach (var change in changes)
            {
                position = change.Sequence;
                lastTimestamp = change.Timestamp;
                foreach (var shaped in Shape(change))
                {
                    results.Add(shaped);
                }

                if (scope.IsInvalidatedBy(change))
                {
                    pendingInvalidate = change;
                    break;
                }

                if (results.Count >= limit)
                {
                    break;
                }
            }

            if (pendingInvalidate is not null)
            {
                continue;
            }

            if (changes.Count < JournalPage && results.Count < limit)
            {
                position = Math.Max(position, through);
            }

            if (results.Count > 0 || results.Count >= limit)
            {
                break;
            }

            var remaining = deadline - time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }

            await store.Commits.WaitBeyondAsync(through, remaining, time, cancellationToken);
            if (time.GetUtcNow() >= deadline && store.Commits.CommittedSequence <= through)
            {
                break;
            }
        }

        var resumeTimestamp = lastTimestamp != 0 ? lastTimestamp : store.ClusterTime.Value;
        var postBatchToken = closed && results.Count > 0 && results[^1]["operationType"] == "invalidate"
            ? results[^1]["_id"].AsBsonDocument
            : new ResumeToken(resumeTimestamp, position, false).ToDocument();
        return new CursorBatch(results, closed, postBatchToken);
    }

    public static MongoError HistoryLost() =>
        new(286, "ChangeStreamHistoryLost", "Resume of change stream was not possible, as the resume point may no longer be in the oplog.");

    private IEnumerable<BsonDocument> Shape(ChangeRecord change)
    {
        var stored = change.Event;
        var operation = stored["operationType"].AsString;
        if (!showExpandedEvents && ExpandedOnlyEvents.Contains(operation))
        {
            return [];
        }

        var shaped = new BsonDocument
        {
            { "_id", new ResumeToken(change.Timestamp, change.Sequence, false).ToDocument() },
            { "operationType", operation },
            { "clusterTime", new BsonTimestamp(change.Timestamp) },
            { "wallTime", new BsonDateTime(change.WallMilliseconds) },
        };
        switch (operation)
        {
            case "insert" or "replace":
                shaped["fullDocument"] = stored["fullDocument"];
                break;
            case "update":
                switch (fullDocument)
                {
                    case FullDocumentMode.UpdateLookup:
                        shaped["fullDocument"] = LookupCurrent(change, stored);
                        break;
                    case FullDocumentMode.WhenAvailable or FullDocumentMode.Required:
                        shaped["fullDocument"] = stored.TryGetValue("fullDocument", out var postImage)
                            ? postImage
                            : fullDocument == FullDocumentMode.Required ? throw ImageMissing("a post-image for all update events", "post-image", operation, change) : BsonNull.Value;
                        break;
                }

                break;
        }

        foreach (var field in new[] { "ns", "documentKey", "updateDescription", "to" })
        {
            if (stored.TryGetValue(field, out var value))
            {
                shaped[field] = value;
            }
        }

        if (showExpandedEvents)
        {
            foreach (var field in ExpandedFields)
            {
                if (stored.TryGetValue(field, out var value))
                {
                    shaped[field] = value;
                }
            }
        }
        else if (shaped.GetValue("updateDescription", BsonNull.Value) is BsonDocument description && description.Contains("disambiguatedPaths"))
        {
            var withoutPaths = new BsonDocument(description);
            withoutPaths.Remove("disambiguatedPaths");
            shaped["updateDescription"] = withoutPaths;
        }

        if (fullDocumentBeforeChange != FullDocumentMode.Default && operation is "update" or "replace" or "delete")
        {
            shaped["fullDocumentBeforeChange"] = stored.TryGetValue("fullDocumentBeforeChange", out var preImage)
                ? preImage
                : fullDocumentBeforeChange == FullDocumentMode.Required
                    ? throw ImageMissing("a pre-image for all update, delete and replace events", "pre-image", operation, change)
                    : BsonNull.Value;
        }

        if (pipeline is null)
        {
            return [shaped];
        }

        var output = pipeline.Execute([shaped], source).ToList();
        foreach (var document in output)
        {
            if (!document.TryGetValue("_id", out var id) || !id.Equals(shaped["_id"]))
            {
                throw new MongoError(280, "ChangeStreamFatalError",
                    "Encountered an event whose _id field, which contains the resume token, was modified by the pipeline. Modifying the _id field of an event makes it impossible to resume the stream from that point. Only transformations that retain the unmodified _id field are allowed.");
            }
        }

        return output;
    }

    /// <summary>47 NoMatchingDocument, as MongoDB answers when a required image was not recorded.</summary>
    private static MongoError ImageMissing(string requirement, string image, string operation, ChangeRecord change) =>
        new(47, "NoMatchingDocument",
            $"Change stream was configured to require {requirement}, but the {image} was not found for event: {{operationType: \"{operation}\", ns: {{db: \"{change.Database}\", coll: \"{change.Collection}\"}}}}");

    private BsonValue LookupCurrent(ChangeRecord change, BsonDocument stored)
    {
        var collection = change.Collection is null ? null : store.Catalog.Find(change.Database, change.Collection);
        if (collection is null || !stored.TryGetValue("documentKey", out var key))
        {
            return BsonNull.Value;
        }

        var current = store.Read(read => read.FindById(collection, key["_id"]));
        return current is null ? BsonNull.Value : current.Document;
    }
}
