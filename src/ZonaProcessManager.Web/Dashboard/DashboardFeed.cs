using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Web.Dashboard;

/// <summary>
/// Pushes changes to every open dashboard: ONE database-level change stream, filtered on the server to the four resource
/// collections and events, fans out to each browser's server-sent-event stream. However many browsers look, MongoDB
/// serves one stream; with none looking, none is open (it starts with the first subscriber and stays until disposal).
/// A browser that cannot keep up, or a stream that had to start over without its resume token, gets "reset": it reloads
/// the tables, so it never shows a state with changes missing.
/// </summary>
public sealed class DashboardFeed : IAsyncDisposable
{
    /// <summary>Messages a browser may lag behind before it is cut off (its EventSource reconnects and reloads).</summary>
    public const int SubscriberBuffer = 2048;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private static readonly string[] DataOperations = ["insert", "update", "replace", "delete"];

    private readonly IMongoDatabase _database;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly HashSet<Channel<SseItem<string>>> _subscribers = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;

    public DashboardFeed(IMongoDatabase database, ILogger<DashboardFeed>? logger = null)
    {
        _database = database;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>
    /// The messages for one browser, from the moment the change stream is open: a first "hello" says that whatever the
    /// browser reads afterwards is covered by the stream, so it loads its tables only then.
    /// </summary>
    /// <param name="stopping">Ends the stream too (the host shutting down).</param>
    public async IAsyncEnumerable<SseItem<string>> SubscribeAsync(CancellationToken browserGone, CancellationToken stopping, [EnumeratorCancellation] CancellationToken enumeration = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(browserGone, stopping, enumeration);
        var cancellationToken = linked.Token;
        var channel = Channel.CreateBounded<SseItem<string>>(new BoundedChannelOptions(SubscriberBuffer) { SingleReader = true });
        lock (_gate)
        {
            _subscribers.Add(channel);
            _loop ??= Task.Run(() => WatchLoopAsync(_stopping.Token));
        }

        try
        {
            if (!await EndsWithoutCancelAsync(_opened.Task, cancellationToken).ConfigureAwait(false))
            {
                yield break;
            }

            yield return new SseItem<string>("{}", "hello");
            while (await EndsWithoutCancelAsync(channel.Reader.WaitToReadAsync(cancellationToken).AsTask(), cancellationToken).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var item))
                {
                    yield return item;
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                _subscribers.Remove(channel);
            }
        }
    }

    /// <summary>
    /// True when <paramref name="task"/> completed (with true, for a bool task); false when the browser left or the host
    /// stops: the stream then simply ends, which is no error.
    /// </summary>
    private static async Task<bool> EndsWithoutCancelAsync(Task task, CancellationToken cancellationToken)
    {
        try
        {
            await task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return task is not Task<bool> more || more.Result;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        Task? loop;
        lock (_gate)
        {
            loop = _loop;
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryComplete();
            }
        }

        if (loop is not null)
        {
            await loop.ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    private async Task WatchLoopAsync(CancellationToken cancellationToken)
    {
        BsonDocument? resumeToken = null;
        var wasOpen = false;
        var backoff = TimeSpan.FromMilliseconds(500);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var options = new ChangeStreamOptions { FullDocument = ChangeStreamFullDocumentOption.UpdateLookup, ResumeAfter = resumeToken };
                using var cursor = await _database.WatchAsync(Pipeline(), options, cancellationToken).ConfigureAwait(false);
                if (wasOpen && resumeToken is null)
                {
                    Broadcast(new SseItem<string>("{}", "reset"));
                }

                wasOpen = true;
                _opened.TrySetResult();
                backoff = TimeSpan.FromMilliseconds(500);
                while (await cursor.MoveNextAsync(cancellationToken).ConfigureAwait(false))
                {
                    foreach (var change in cursor.Current)
                    {
                        resumeToken = change.GetValue("_id", BsonNull.Value) as BsonDocument;
                        if (ToMessage(change) is { } message)
                        {
                            Broadcast(message);
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is MongoException or TimeoutException)
            {
                // A token the server no longer accepts would fail every retry: open at the present position and let browsers reload.
                if (exception is MongoCommandException)
                {
                    resumeToken = null;
                }

                DashboardLog.FeedRestarts(_logger, exception.Message, backoff);
                try
                {
                    await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    private void Broadcast(SseItem<string> message)
    {
        lock (_gate)
        {
            foreach (var subscriber in _subscribers.Where(subscriber => !subscriber.Writer.TryWrite(message)).ToList())
            {
                subscriber.Writer.TryComplete();
                _subscribers.Remove(subscriber);
            }
        }
    }

    internal static SseItem<string>? ToMessage(BsonDocument change)
    {
        var collection = (change.GetValue("ns", BsonNull.Value) as BsonDocument)?.GetValue("coll", BsonNull.Value) is { IsString: true } coll ? coll.AsString : "";
        var operation = change.GetValue("operationType", "").ToString();
        if (collection == ZpmCollections.Events)
        {
            return operation == "insert" && change.GetValue("fullDocument", BsonNull.Value) is BsonDocument inserted
                ? new SseItem<string>(JsonSerializer.Serialize(DashboardReadModel.ToEventRow(inserted), Json), "event")
                : null;
        }

        if (DashboardKind.FromCollection(collection) is not { } kind)
        {
            return null;
        }

        if (operation == "delete")
        {
            var id = (change.GetValue("documentKey", BsonNull.Value) as BsonDocument)?.GetValue(DocumentFields.Id, BsonNull.Value) ?? BsonNull.Value;
            return new SseItem<string>(JsonSerializer.Serialize(new { kind = kind.Path, id = DocumentIds.ToUid(id), removed = true }, Json), "resource");
        }

        // An update whose document was deleted before the lookup has no fullDocument; its delete follows.
        return change.GetValue("fullDocument", BsonNull.Value) is BsonDocument document
            ? new SseItem<string>(JsonSerializer.Serialize(new { kind = kind.Path, row = ResourceRows.From(kind, document) }, Json), "resource")
            : null;
    }

    private static PipelineDefinition<ChangeStreamDocument<BsonDocument>, BsonDocument> Pipeline()
    {
        var collections = new BsonArray(DashboardKind.All.Select(kind => kind.Collection).Append(ZpmCollections.Events));
        var match = new BsonDocument
        {
            ["ns.coll"] = new BsonDocument("$in", collections),
            ["operationType"] = new BsonDocument("$in", new BsonArray(DataOperations)),
        };
        return new BsonDocumentStagePipelineDefinition<ChangeStreamDocument<BsonDocument>, BsonDocument>([new BsonDocument("$match", match)]);
    }
}
