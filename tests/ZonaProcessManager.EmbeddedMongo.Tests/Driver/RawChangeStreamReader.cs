using MongoDB.Bson;
using MongoDB.Driver;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Driver;

/// <summary>
/// Reads change events as the raw documents the server sent, so tests can assert fields the driver's typed event does
/// not model; waits for each event with a deadline instead of sleeping.
/// </summary>
public sealed class RawChangeStreamReader : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly IChangeStreamCursor<BsonDocument> _cursor;
    private readonly Queue<BsonDocument> _pending = new();

    private RawChangeStreamReader(IChangeStreamCursor<BsonDocument> cursor)
    {
        _cursor = cursor;
    }

    public static async Task<RawChangeStreamReader> WatchAsync(IMongoCollection<BsonDocument> collection, ChangeStreamOptions options, params BsonDocument[] stages) =>
        new(await collection.WatchAsync(Pipeline(stages), WithShortAwait(options)));

    public static async Task<RawChangeStreamReader> WatchAsync(IMongoDatabase database, ChangeStreamOptions options, params BsonDocument[] stages) =>
        new(await database.WatchAsync(Pipeline(stages), WithShortAwait(options)));

    public async Task<BsonDocument> NextAsync()
    {
        var until = DateTime.UtcNow + Deadline;
        while (_pending.Count == 0)
        {
            if (DateTime.UtcNow >= until)
            {
                throw new TimeoutException($"no change event within {Deadline.TotalSeconds:0} s");
            }

            if (!await _cursor.MoveNextAsync())
            {
                throw new InvalidOperationException("change stream closed before the expected event");
            }

            foreach (var change in _cursor.Current)
            {
                _pending.Enqueue(change);
            }
        }

        return _pending.Dequeue();
    }

    public async Task<List<BsonDocument>> NextAsync(int count)
    {
        var events = new List<BsonDocument>();
        for (var i = 0; i < count; i++)
        {
            events.Add(await NextAsync());
        }

        return events;
    }

    public void Dispose() => _cursor.Dispose();

    private static PipelineDefinition<ChangeStreamDocument<BsonDocument>, BsonDocument> Pipeline(BsonDocument[] stages) =>
        new BsonDocumentStagePipelineDefinition<ChangeStreamDocument<BsonDocument>, BsonDocument>(stages);

    private static ChangeStreamOptions WithShortAwait(ChangeStreamOptions options)
    {
        options.MaxAwaitTime ??= TimeSpan.FromMilliseconds(200);
        return options;
    }
}
