using System.Collections.Concurrent;

namespace ZonaProcessManager.EmbeddedMongo.Cursors;

/// <summary>All open cursors of one server. Ids are random positive longs, as MongoDB's are.</summary>
public sealed class CursorRegistry
{
    private readonly ConcurrentDictionary<long, ServerCursor> cursors = new();

    public int Count => cursors.Count;

    public long Register(ServerCursor cursor)
    {
        while (true)
        {
            var id = Random.Shared.NextInt64(1, long.MaxValue);
            cursor.Id = id;
            if (cursors.TryAdd(id, cursor))
            {
                return id;
            }
        }
    }

    public ServerCursor? Find(long id) => cursors.GetValueOrDefault(id);

    public bool Remove(long id) => cursors.TryRemove(id, out _);

    public int RemoveIdle(TimeSpan idleTimeout)
    {
        var cutoff = DateTime.UtcNow - idleTimeout;
        var removed = 0;
        foreach (var (id, cursor) in cursors)
        {
            if (cursor.LastUsedUtc < cutoff && cursor.Gate.CurrentCount > 0 && cursors.TryRemove(id, out _))
            {
                removed++;
            }
        }

        return removed;
    }
}
