namespace ZonaProcessManager.EmbeddedMongo.Wire;

/// <summary>One connection as the <see cref="ConnectionTracker"/> sees it.</summary>
public sealed class TrackedConnection
{
    private readonly ConnectionTracker tracker;
    private readonly Action close;
    private long lastActivity = Environment.TickCount64;
    private int busy;
    private int closed;

    internal TrackedConnection(ConnectionTracker tracker, Action close)
    {
        this.tracker = tracker;
        this.close = close;
    }

    internal LinkedListNode<TrackedConnection>? Node { get; set; }

    public long LastActivity => Interlocked.Read(ref lastActivity);

    public bool Busy => Volatile.Read(ref busy) == 1;

    public void CommandStarted()
    {
        Volatile.Write(ref busy, 1);
        Interlocked.Exchange(ref lastActivity, Environment.TickCount64);
    }

    public void CommandFinished()
    {
        Interlocked.Exchange(ref lastActivity, Environment.TickCount64);
        Volatile.Write(ref busy, 0);
        tracker.Touch(this);
    }

    /// <summary>Promotes the connection; false when the established connections are full.</summary>
    public bool Establish() => tracker.Establish(this);

    /// <summary>Forgets the connection once it is closed.</summary>
    public void Release() => tracker.Detach(this);

    public void Close()
    {
        if (Interlocked.Exchange(ref closed, 1) == 0)
        {
            close();
        }
    }
}
