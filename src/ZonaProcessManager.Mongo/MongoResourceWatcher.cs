using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Reconciliation;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Mongo;

/// <summary>
/// One database-level change stream, filtered on the server to the operator's collections and to data-changing
/// operations, with fullDocument updateLookup. Emits Upserted/Deleted per resource key and Relist when history must be
/// re-read (first start without a token, history lost, collection or database dropped, a delete of a document whose
/// key cannot be known). The resume position is persisted after the batches the consumer has taken, at most once per
/// <see cref="WatcherOptions.ResumeTokenSaveInterval"/> and once more when the watch stops, including the
/// postBatchResumeToken of empty batches, so a restart after a clean stop resumes exactly there, one after a crash
/// replays at most that interval, and an idle operator's token never ages out of the server's history.
/// </summary>
/// <remarks>
/// Start without a token: the stream is opened FIRST and Relist is emitted after, so the consumer's list happens while
/// the stream already records changes. Listing first and opening after would lose every write made in between; this
/// order can only deliver a change twice (in the list and in the stream), which level-triggered reconciles absorb.
///
/// Deletes carry only `_id`. Documents written by zpm have the contract `_id` "&lt;tenant&gt;/&lt;name&gt;", which names
/// the resource directly. For other `_id`s (mongosh's ObjectIds) the watcher keeps an in-memory `_id` → key map, seeded
/// from the collection each time the stream opens and updated from every event's fullDocument. A delete whose `_id` is
/// in neither (e.g. the document was inserted and deleted while the operator was down) becomes a Relist: the operator
/// then compares the store with the containers it finds by label and removes the orphans. Nothing is persisted for
/// this, so the map can never go stale across restarts.
/// </remarks>
public sealed class MongoResourceWatcher : IResourceWatcher
{
    private const int ChangeStreamHistoryLost = 286;

    private static readonly string[] DataOperations = ["insert", "update", "replace", "delete", "drop", "rename"];

    private readonly IMongoDatabase _database;
    private readonly WatcherOptions _options;
    private readonly ResumeTokenStore _tokens;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly MongoMetrics? _metrics;

    /// <param name="leadership">When given, the resume position is saved only under a confirmed leadership term (<see cref="ResumeTokenStore"/>).</param>
    /// <param name="metrics">Where change events and reopenings are counted; null counts nothing.</param>
    public MongoResourceWatcher(
        IMongoDatabase database, WatcherOptions? options = null, ILogger<MongoResourceWatcher>? logger = null, TimeProvider? time = null,
        ILeadershipContext? leadership = null, MongoMetrics? metrics = null)
    {
        _metrics = metrics;
        _database = database;
        _options = options ?? new WatcherOptions();
        _tokens = new ResumeTokenStore(database, _options.Name, _options.Tenants, time, leadership);
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// Paths only the operator writes and no reconcile reads as desired state: `status`, and `metadata.ownerReferences`
    /// (an integration's adoption by its tenant, written by the reconcile that then carries on with the adopted document).
    /// Like Kubernetes' generation, which neither bumps: reconciling on them again only re-reads what was just written.
    /// A hand edit of ownerReferences is put right by the next reconcile of that resource or the periodic resync. And
    /// `leaderGeneration`, which every fenced operator write sets along (<see cref="LeaderFence"/>).
    /// </summary>
    private static readonly string[] OperatorOwnedPaths = [DocumentFields.Status, "metadata.ownerReferences", LeaderFence.Field];

    /// <summary>True when an update changed nothing but operator-owned paths (the operator's own writes): no reconcile needed.</summary>
    public static bool IsOperatorOnlyUpdate(BsonDocument? updateDescription)
    {
        if (updateDescription is null)
        {
            return false;
        }

        var paths = new List<string>();
        if (updateDescription.GetValue("updatedFields", BsonNull.Value) is BsonDocument updated)
        {
            paths.AddRange(updated.Names);
        }

        if (updateDescription.GetValue("removedFields", BsonNull.Value) is BsonArray removed)
        {
            paths.AddRange(removed.Where(value => value.IsString).Select(value => value.AsString));
        }

        if (updateDescription.GetValue("truncatedArrays", BsonNull.Value) is BsonArray truncated)
        {
            paths.AddRange(truncated.OfType<BsonDocument>().Select(entry => entry.GetValue("field", "").ToString()!));
        }

        return paths.Count > 0 && paths.All(path => OperatorOwnedPaths.Any(owned => path == owned || path.StartsWith(owned + ".", StringComparison.Ordinal)));
    }

    public async IAsyncEnumerable<ResourceChange> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Doubling, capped, without jitter; reset once a stream delivers again.
        var backoff = new BackoffSequence(new BackoffPolicy(_options.InitialBackoff, _options.MaxBackoff, jitter: 0));
        var keysById = new Dictionary<BsonValue, ResourceKey>();
        var saves = new ThrottledSave(this);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                // Reopening starts from the saved position, so what the consumer already took is saved first.
                await saves.FlushAsync();
                var opened = await TryOpenAsync(keysById, cancellationToken);
                if (opened.Cursor is null)
                {
                    if (opened.Error is null
                        || !await DelayAsync(await HandleErrorAsync(opened.Error, backoff, cancellationToken), cancellationToken))
                    {
                        yield break;
                    }

                    continue;
                }

                using var cursor = opened.Cursor;
                if (opened.Relist)
                {
                    yield return new ResourceChange(ChangeKind.Relist, null);
                    await saves.SaveAsync(cursor.GetResumeToken(), afterInvalidate: false, cancellationToken);
                }

                while (true)
                {
                    var step = await TryMoveNextAsync(cursor, cancellationToken);
                    if (step.Cancelled)
                    {
                        yield break;
                    }

                    if (step.Error is not null)
                    {
                        if (!await DelayAsync(await HandleErrorAsync(step.Error, backoff, cancellationToken), cancellationToken))
                        {
                            yield break;
                        }

                        break;
                    }

                    if (!step.HasBatch)
                    {
                        // The server closed the stream (after an invalidate); reopen from the saved position.
                        break;
                    }

                    BsonDocument? invalidateToken = null;
                    foreach (var document in cursor.Current)
                    {
                        foreach (var change in Translate(document, keysById))
                        {
                            yield return change;
                        }

                        if (document.GetValue("operationType", "").ToString() == "invalidate")
                        {
                            invalidateToken = document.GetValue("_id", BsonNull.Value) as BsonDocument;
                        }
                    }

                    if (invalidateToken is not null)
                    {
                        await saves.SaveAsync(invalidateToken, afterInvalidate: true, cancellationToken);
                        break;
                    }

                    await saves.SaveDueAsync(cursor.GetResumeToken(), cancellationToken);
                    backoff.Reset();
                }
            }
        }
        finally
        {
            await saves.FlushAsync();
        }
    }

    /// <summary>
    /// Saves the position of a burst at most once per interval and keeps the newest unsaved one for the next due save or
    /// the flush at the end of the watch. Positions that change how the stream reopens (the first after opening, an
    /// invalidate) are saved at once.
    /// </summary>
    private sealed class ThrottledSave(MongoResourceWatcher watcher)
    {
        private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(5);
        private DateTimeOffset _lastSaved = DateTimeOffset.MinValue;
        private BsonDocument? _pending;

        public async Task SaveAsync(BsonDocument? token, bool afterInvalidate, CancellationToken cancellationToken)
        {
            _pending = null;
            _lastSaved = watcher._time.GetUtcNow();
            await watcher.TrySaveAsync(token, afterInvalidate, cancellationToken);
        }

        public async Task SaveDueAsync(BsonDocument? token, CancellationToken cancellationToken)
        {
            if (watcher._time.GetUtcNow() - _lastSaved >= watcher._options.ResumeTokenSaveInterval)
            {
                await SaveAsync(token, afterInvalidate: false, cancellationToken);
            }
            else
            {
                _pending = token ?? _pending;
            }
        }

        /// <summary>Saves what is pending when the watch ends; the caller's token is cancelled by then, so this has its own.</summary>
        public async Task FlushAsync()
        {
            if (_pending is { } token)
            {
                using var timeout = new CancellationTokenSource(FlushTimeout);
                await SaveAsync(token, afterInvalidate: false, timeout.Token);
            }
        }
    }

    private IEnumerable<ResourceChange> Translate(BsonDocument change, Dictionary<BsonValue, ResourceKey> keysById)
    {
        var operation = change.GetValue("operationType", "").ToString();
        var collection = (change.GetValue("ns", BsonNull.Value) as BsonDocument)?.GetValue("coll", BsonNull.Value) is { IsString: true } coll
            ? coll.AsString
            : null;
        _metrics?.WatchEvent(collection ?? "", operation ?? "");
        var id = (change.GetValue("documentKey", BsonNull.Value) as BsonDocument)?.GetValue("_id", BsonNull.Value) ?? BsonNull.Value;
        switch (operation)
        {
            case "insert" or "replace" or "update" when collection is not null && _options.Collections.TryGetValue(collection, out var kind):
                {
                    var fullDocument = change.GetValue("fullDocument", BsonNull.Value) as BsonDocument;
                    ResourceKey? previousKey = keysById.GetValueOrDefault(id);
                    ResourceKey? key = fullDocument is not null ? DocumentIds.KeyOf(kind, fullDocument) : Resolve(kind, id, keysById);
                    if (fullDocument is not null && key is not null)
                    {
                        keysById[id] = key;
                    }

                    if (operation == "update" && IsOperatorOnlyUpdate(change.GetValue("updateDescription", BsonNull.Value) as BsonDocument))
                    {
                        yield break;
                    }

                    if (previousKey is not null && key is not null && previousKey != key)
                    {
                        // The document was renamed (metadata edited): the old key's containers must go.
                        yield return new ResourceChange(ChangeKind.Deleted, previousKey);
                    }

                    yield return key is null ? new ResourceChange(ChangeKind.Relist, null) : new ResourceChange(ChangeKind.Upserted, key);
                    break;
                }

            case "delete" when collection is not null && _options.Collections.TryGetValue(collection, out var kind):
                {
                    var key = Resolve(kind, id, keysById);
                    keysById.Remove(id);
                    if (key is null)
                    {
                        _logger.DeleteOfUnknownKey(collection, id);
                    }

                    yield return key is null ? new ResourceChange(ChangeKind.Relist, null) : new ResourceChange(ChangeKind.Deleted, key);
                    break;
                }

            case "drop" or "rename" or "dropDatabase" or "invalidate":
                _logger.CollectionEventRelists(operation, collection ?? _database.DatabaseNamespace.DatabaseName);
                keysById.Clear();
                yield return new ResourceChange(ChangeKind.Relist, null);
                break;
        }
    }

    private static ResourceKey? Resolve(string kind, BsonValue id, Dictionary<BsonValue, ResourceKey> keysById)
    {
        if (keysById.TryGetValue(id, out var known))
        {
            return known;
        }

        return DocumentIds.TryKeyFromId(kind, id, out var key) ? key : null;
    }

    private async Task<OpenResult> TryOpenAsync(Dictionary<BsonValue, ResourceKey> keysById, CancellationToken cancellationToken)
    {
        try
        {
            var position = await _tokens.LoadAsync(cancellationToken);
            var options = new ChangeStreamOptions
            {
                FullDocument = ChangeStreamFullDocumentOption.UpdateLookup,
                MaxAwaitTime = _options.MaxAwaitTime,
                ResumeAfter = position is { AfterInvalidate: false } ? position.Token : null,
                StartAfter = position is { AfterInvalidate: true } ? position.Token : null,
            };
            var cursor = await _database.WatchAsync(BuildPipeline(), options, cancellationToken);
            try
            {
                await SeedKeysAsync(keysById, cancellationToken);
            }
            catch
            {
                cursor.Dispose();
                throw;
            }

            _logger.LogInformation(
                "Watching {Database} ({Collections}) {From}",
                _database.DatabaseNamespace.DatabaseName,
                string.Join(", ", _options.Collections.Keys),
                position is null ? "from now, after a full relist" : "from the persisted resume token");
            return new OpenResult(cursor, Relist: position is null, Error: null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new OpenResult(null, false, null);
        }
        catch (Exception exception)
        {
            return new OpenResult(null, false, exception);
        }
    }

    private async Task SeedKeysAsync(Dictionary<BsonValue, ResourceKey> keysById, CancellationToken cancellationToken)
    {
        keysById.Clear();
        var projection = Builders<BsonDocument>.Projection.Include(DocumentFields.MetadataName).Include(DocumentFields.MetadataTenant);
        foreach (var (collectionName, kind) in _options.Collections)
        {
            var collection = _database.GetCollection<BsonDocument>(collectionName);
            using var documents = await collection.Find(FilterDefinition<BsonDocument>.Empty).Project(projection).ToCursorAsync(cancellationToken);
            while (await documents.MoveNextAsync(cancellationToken))
            {
                foreach (var document in documents.Current)
                {
                    keysById[document["_id"]] = DocumentIds.KeyOf(kind, document);
                }
            }
        }
    }

    private PipelineDefinition<ChangeStreamDocument<BsonDocument>, BsonDocument> BuildPipeline()
    {
        var collections = new BsonArray(_options.Collections.Keys);
        var match = new BsonDocument("$or", new BsonArray
        {
            new BsonDocument
            {
                ["ns.coll"] = new BsonDocument("$in", collections),
                ["operationType"] = new BsonDocument("$in", new BsonArray(DataOperations)),
            },
            new BsonDocument("operationType", new BsonDocument("$in", new BsonArray { "dropDatabase", "invalidate" })),
        });
        return new BsonDocumentStagePipelineDefinition<ChangeStreamDocument<BsonDocument>, BsonDocument>([new BsonDocument("$match", match)]);
    }

    private static async Task<MoveResult> TryMoveNextAsync(IChangeStreamCursor<BsonDocument> cursor, CancellationToken cancellationToken)
    {
        try
        {
            return new MoveResult(await cursor.MoveNextAsync(cancellationToken), null, false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new MoveResult(false, null, true);
        }
        catch (Exception exception)
        {
            return new MoveResult(false, exception, false);
        }
    }

    /// <summary>Logs the failure and says how long to wait before reopening (0 after history loss: relist at once).</summary>
    private async Task<TimeSpan> HandleErrorAsync(Exception exception, BackoffSequence backoff, CancellationToken cancellationToken)
    {
        if (IsHistoryLost(exception))
        {
            _logger.LogWarning("Change stream history lost (code 286): dropping the resume token and relisting");
            try
            {
                await _tokens.DeleteAsync(cancellationToken);
                return TimeSpan.Zero;
            }
            catch (Exception deleteError) when (deleteError is not OperationCanceledException)
            {
                _logger.LogWarning("Could not drop the lost resume token ({Message}); will retry", MongoErrors.Describe(deleteError));
            }
        }

        var delay = backoff.Next();
        _metrics?.WatchRestarted();
        _logger.LogWarning("Change stream failed ({Error}: {Message}); reconnecting in {Delay}", exception.GetType().Name, MongoErrors.Describe(exception), delay);
        return delay;
    }

    private static bool IsHistoryLost(Exception exception) =>
        exception is MongoCommandException { Code: ChangeStreamHistoryLost }
        || (exception is MongoServerException server && server.Message.Contains("ChangeStreamHistoryLost", StringComparison.Ordinal));

    private async Task TrySaveAsync(BsonDocument? token, bool afterInvalidate, CancellationToken cancellationToken)
    {
        if (token is null)
        {
            return;
        }

        try
        {
            await _tokens.SaveAsync(new ResumePosition(token, afterInvalidate), cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The next batch saves again; at worst a restart replays a few events, which reconciles absorb.
            _logger.LogWarning("Could not persist the resume token ({Message}); will retry after the next batch", MongoErrors.Describe(exception));
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, _time, cancellationToken);
            }

            return !cancellationToken.IsCancellationRequested;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Cursor null and Error null means cancelled.</summary>
    private sealed record OpenResult(IChangeStreamCursor<BsonDocument>? Cursor, bool Relist, Exception? Error);

    private sealed record MoveResult(bool HasBatch, Exception? Error, bool Cancelled);
}
