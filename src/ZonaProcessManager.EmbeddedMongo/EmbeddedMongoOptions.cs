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

    /// <summary>Most established (authenticated) client connections at once; one more is closed when it authenticates.</summary>
    public int MaxConnections { get; init; } = 1000;

    /// <summary>
    /// Most connections waiting to authenticate (with authentication off: that have not sent a command yet). A new one
    /// beyond this closes the pending connection quiet longest, so unauthenticated sockets never crowd out clients.
    /// </summary>
    public int MaxPendingConnections { get; init; } = 1000;

    /// <summary>
    /// A connection that has not authenticated is closed once it has sent nothing for this long. Longer than a driver's
    /// heartbeat (10 s): a driver's monitoring connection never authenticates and sends only hello, at that interval.
    /// </summary>
    public TimeSpan UnauthenticatedTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// An established connection with no command for this long is closed. Longer than the drivers' own pool idle time
    /// (MongoDB.Driver's MaxConnectionIdleTime is 10 min), so a pooled connection is normally retired by its driver first.
    /// </summary>
    public TimeSpan IdleConnectionTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Once a frame's first byte arrived, the rest must arrive within this time (slowloris guard).</summary>
    public TimeSpan FrameReadTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the TTL monitor deletes expired documents (MongoDB uses 60 s; faster here so TTL is observable).</summary>
    public TimeSpan TtlMonitorInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Cursors not used for this long are closed, as MongoDB's cursorTimeoutMillis.</summary>
    public TimeSpan CursorIdleTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Whether commands other than the handshake, login and a few diagnostics need an authenticated user (SCRAM-SHA-256,
    /// users in admin.system.users), as mongod --auth. On by default: a server that anyone on the host can write to must
    /// be asked for explicitly. Users can be created in process with <see cref="EmbeddedMongoServer.CreateUser"/> or
    /// <see cref="EmbeddedMongoServer.EnsureAdminUser"/>.
    /// </summary>
    public bool RequireAuthentication { get; init; } = true;

    /// <summary>
    /// Whether test commands exist, as mongod's <c>--setParameter enableTestCommands=1</c>: <c>configureFailPoint</c>
    /// (the <c>failCommand</c> fail point) for testing how clients retry and resume. Off by default: a client could
    /// otherwise make the server fail, stall or hang up on other clients' commands. Without it the command answers 59.
    /// </summary>
    public bool EnableTestCommands { get; init; }

    /// <summary>
    /// The clock the server waits on: awaitData getMores and the maintenance and connection-sweep loops. Times it stores
    /// or compares with stored ones (clusterTime, wallTime, TTL and retention cutoffs) stay the system clock's.
    /// </summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Receives one line per notable server event (connection errors, background failures); null discards them.</summary>
    public Action<string>? Log { get; init; }
}
