using MongoDB.Bson;
using MongoDB.Driver;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Driver;

/// <summary>
/// Reads change events one at a time from a driver change stream cursor, waiting for each with a deadline instead of
/// sleeping; an empty getMore batch is normal and simply means "ask again".
/// </summary>
public sealed class ChangeStreamReader<TDocument> : IDisposable
{
    private static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(20);
    private readonly IChangeStreamCursor<ChangeStreamDocument<TDocument>> _cursor;
    private readonly Queue<ChangeStreamDocument<TDocument>> _pending = new();

    public ChangeStreamReader(IChangeStreamCursor<ChangeStreamDocument<TDocument>> cursor)
    {
        _cursor = cursor;
    }

    /// <summary>Short server wait per getMore so deadlines are checked often.</summary>
    public static ChangeStreamOptions Options(ChangeStreamOptions? options = null)
    {
        options ??= new ChangeStreamOptions();
        options.MaxAwaitTime ??= TimeSpan.FromMilliseconds(200);
        return options;
    }

    public BsonDocument? ResumeToken => _cursor.GetResumeToken();

    public async Task<ChangeStreamDocument<TDocument>> NextAsync(TimeSpan? deadline = null)
    {
        var limit = deadline ?? DefaultDeadline;
        var until = DateTime.UtcNow + limit;
        while (_pending.Count == 0)
        {
            if (DateTime.UtcNow >= until)
            {
                throw new TimeoutException($"no change event within {limit.TotalSeconds:0.#} s");
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

    public async Task<List<ChangeStreamDocument<TDocument>>> NextAsync(int count, TimeSpan? deadline = null)
    {
        var events = new List<ChangeStreamDocument<TDocument>>();
        for (var i = 0; i < count; i++)
        {
            events.Add(await NextAsync(deadline));
        }

        return events;
    }

    /// <summary>One getMore round trip (possibly an empty batch); returns the events it carried.</summary>
    public async Task<int> PollOnceAsync()
    {
        if (!await _cursor.MoveNextAsync())
        {
            throw new InvalidOperationException("change stream closed");
        }

        var received = 0;
        foreach (var change in _cursor.Current)
        {
            _pending.Enqueue(change);
            received++;
        }

        return received;
    }

    public void Dispose() => _cursor.Dispose();
}
