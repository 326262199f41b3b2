namespace ZonaProcessManager.EmbeddedMongo;

/// <summary>Settings of one embedded server, fixed at start. Defaults are the documented ones of `zpm mongo serve`.</summary>
public sealed record EmbeddedMongoOptions
{
    /// <summary>TCP port; 0 picks a free ephemeral port (tests use this).</summary>
    public int Port { get; init; } = 27017;

    /// <summary>Address to listen on. Loopback unless the user asks for more.</summary>
    public string BindAddress { get; init; } = "127.0.0.1";

    /// <summary>Directory holding the SQLite files. Created if missing.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Replica set name reported in hello; change streams need a replica set.</summary>
    public string ReplicaSetName { get; init; } = "rs0";

    /// <summary>How long change-stream history is kept for resuming; older tokens answer 286 ChangeStreamHistoryLost.</summary>
    public TimeSpan ChangeStreamHistoryRetention { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Largest message accepted, as MongoDB's maxMessageSizeBytes.</summary>
    public int MaxMessageSizeBytes { get; init; } = 48_000_000;

    /// <summary>Most client connections served at once; further ones are closed right after accept.</summary>
    public int MaxConnections { get; init; } = 1000;

    /// <summary>Once a frame's first byte arrived, the rest must arrive within this time (slowloris guard). Idle connections may stay.</summary>
    public TimeSpan FrameReadTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the TTL monitor deletes expired documents (MongoDB uses 60 s; faster here so TTL is observable).</summary>
    public TimeSpan TtlMonitorInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Cursors not used for this long are closed, as MongoDB's cursorTimeoutMillis.</summary>
    public TimeSpan CursorIdleTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Receives one line per notable server event (connection errors, background failures); null discards them.</summary>
    public Action<string>? Log { get; init; }
}
