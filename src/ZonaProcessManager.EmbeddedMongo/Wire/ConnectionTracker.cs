namespace ZonaProcessManager.EmbeddedMongo.Wire;

/// <summary>
/// Keeps client connections within their limits. A connection starts pending (not yet authenticated, or with
/// authentication off, silent) and becomes established when it authenticates (or sends its first command). The two
/// kinds have separate caps, so a flood of sockets that never log in can only push out each other: admitting a
/// pending connection beyond <see cref="EmbeddedMongoOptions.MaxPendingConnections"/> closes the pending one that has
/// been quiet longest, and established connections are never touched by it. Pending connections quiet for
/// <see cref="EmbeddedMongoOptions.UnauthenticatedTimeout"/> and established ones idle for
/// <see cref="EmbeddedMongoOptions.IdleConnectionTimeout"/> are closed by <see cref="Sweep"/>; a connection running a
/// command is never idle.
/// </summary>
public sealed class ConnectionTracker(EmbeddedMongoOptions options, Action<string> log)
{
    private readonly object gate = new();
    private readonly LinkedList<TrackedConnection> pending = new();
    private readonly LinkedList<TrackedConnection> established = new();

    public int PendingCount
    {
        get
        {
            lock (gate)
            {
                return pending.Count;
            }
        }
    }

    public int EstablishedCount
    {
        get
        {
            lock (gate)
            {
                return established.Count;
            }
        }
    }

    /// <summary>Registers a new connection as pending, closing the quietest pending one when the pending cap is reached.</summary>
    public TrackedConnection Admit(Action close)
    {
        var connection = new TrackedConnection(this, close);
        TrackedConnection? evicted = null;
        lock (gate)
        {
            if (pending.Count >= options.MaxPendingConnections && pending.First is { } quietest)
            {
                evicted = quietest.Value;
                Detach(evicted);
            }

            connection.Node = pending.AddLast(connection);
        }

        if (evicted is not null)
        {
            log($"{options.MaxPendingConnections} connections are waiting to authenticate; closing the one quiet longest to admit a new one");
            evicted.Close();
        }

        return connection;
    }

    /// <summary>Moves a connection to the established ones; false (and the caller closes it) when they are at their cap.</summary>
    internal bool Establish(TrackedConnection connection)
    {
        lock (gate)
        {
            if (connection.Node?.List != pending)
            {
                return connection.Node?.List == established;
            }

            if (established.Count >= options.MaxConnections)
            {
                return false;
            }

            pending.Remove(connection.Node);
            connection.Node = established.AddLast(connection);
            return true;
        }
    }

    internal void Touch(TrackedConnection connection)
    {
        lock (gate)
        {
            if (connection.Node is { List: { } list } node)
            {
                list.Remove(node);
                list.AddLast(node);
            }
        }
    }

    internal void Detach(TrackedConnection connection)
    {
        lock (gate)
        {
            if (connection.Node is { List: { } list } node)
            {
                list.Remove(node);
            }
        }
    }

    /// <summary>Closes pending connections quiet for longer than the grace period and established ones idle for longer than the idle timeout.</summary>
    public void Sweep()
    {
        var now = Environment.TickCount64;
        var expired = new List<TrackedConnection>();
        lock (gate)
        {
            Collect(pending, options.UnauthenticatedTimeout);
            Collect(established, options.IdleConnectionTimeout);
            foreach (var connection in expired)
            {
                Detach(connection);
            }
        }

        foreach (var connection in expired)
        {
            connection.Close();
        }

        if (expired.Count > 0)
        {
            log($"closed {expired.Count} idle or unauthenticated connection(s)");
        }

        void Collect(LinkedList<TrackedConnection> list, TimeSpan timeout)
        {
            // Every entry is looked at: a long command keeps its place in the order while newer activity passes it.
            foreach (var connection in list)
            {
                if (!connection.Busy && now - connection.LastActivity >= timeout.TotalMilliseconds)
                {
                    expired.Add(connection);
                }
            }
        }
    }
}
