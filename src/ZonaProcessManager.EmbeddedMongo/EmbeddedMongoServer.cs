using System.Net;
using System.Net.Sockets;
using ZonaProcessManager.EmbeddedMongo.Commands;
using ZonaProcessManager.EmbeddedMongo.Storage;
using ZonaProcessManager.EmbeddedMongo.Wire;

namespace ZonaProcessManager.EmbeddedMongo;

/// <summary>
/// A MongoDB-wire-compatible server backed by SQLite. Start it, hand <see cref="ConnectionString"/> to
/// MongoDB.Driver or mongosh, dispose it to stop.
/// </summary>
public sealed partial class EmbeddedMongoServer : IAsyncDisposable
{
    private readonly TcpListener listener;
    private readonly MongoStore store;
    private readonly ServerContext context;
    private readonly ConnectionTracker connections;
    private readonly CancellationTokenSource stopping = new();
    private readonly List<Task> backgroundTasks = [];
    private readonly HashSet<Task> connectionTasks = [];
    private readonly object connectionGate = new();
    private int stopped;

    private EmbeddedMongoServer(EmbeddedMongoOptions options, int port, TcpListener listener, MongoStore store)
    {
        Options = options;
        Port = port;
        this.listener = listener;
        this.store = store;
        context = new ServerContext(options, HostAndPort, store);
        connections = new ConnectionTracker(options, context.Log);
    }

    public EmbeddedMongoOptions Options { get; }

    /// <summary>The port actually bound (differs from Options.Port when that was 0).</summary>
    public int Port { get; }

    /// <summary>host:port exactly as clients dial it; also what hello reports in hosts/me/primary.</summary>
    public string HostAndPort => $"{Options.BindAddress}:{Port}";

    /// <summary>Connection string for a replica-set client, e.g. mongodb://127.0.0.1:27017/?replicaSet=rs0.</summary>
    public string ConnectionString => string.IsNullOrEmpty(Options.ReplicaSetName)
        ? $"mongodb://{HostAndPort}/?directConnection=true"
        : $"mongodb://{HostAndPort}/?replicaSet={Options.ReplicaSetName}";

    /// <summary>Connection string that talks to this server only, without replica-set discovery.</summary>
    public string DirectConnectionString => $"mongodb://{HostAndPort}/?directConnection=true";

    /// <summary>
    /// Opens the store (refusing a corrupt or foreign data file with a clear error), binds the port and starts accepting.
    /// </summary>
    public static Task<EmbeddedMongoServer> StartAsync(EmbeddedMongoOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        cancellationToken.ThrowIfCancellationRequested();
        if (!IPAddress.TryParse(options.BindAddress, out var address))
        {
            address = Dns.GetHostAddresses(options.BindAddress).FirstOrDefault()
                ?? throw new ArgumentException($"cannot resolve bind address '{options.BindAddress}'", nameof(options));
        }

        DataDirectoryAccess.Restrict(options.DataDirectory);
        var store = MongoStore.Open(options.DataDirectory);
        var listener = new TcpListener(address, options.Port);
        try
        {
            listener.Start(backlog: 512);
        }
        catch
        {
            store.Dispose();
            throw;
        }

        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var server = new EmbeddedMongoServer(options, port, listener, store);
        server.backgroundTasks.Add(Task.Run(server.AcceptLoopAsync));
        server.backgroundTasks.Add(Task.Run(server.MaintenanceLoopAsync));
        server.backgroundTasks.Add(Task.Run(server.ConnectionSweepLoopAsync));
        return Task.FromResult(server);
    }

    private async Task AcceptLoopAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stopping.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException exception)
            {
                context.Log($"accept failed: {exception.Message}");
                continue;
            }

            client.NoDelay = true;
            var id = context.ConnectionOpened();
            var connection = new ClientConnection(context, client, id);
            connection.Tracked = connections.Admit(connection.Close);
            var task = Task.Run(async () =>
            {
                try
                {
                    await connection.RunAsync(stopping.Token);
                }
                finally
                {
                    context.ConnectionClosed();
                }
            });
            lock (connectionGate)
            {
                connectionTasks.Add(task);
            }

            _ = task.ContinueWith(finished =>
            {
                lock (connectionGate)
                {
                    connectionTasks.Remove(finished);
                }
            }, TaskScheduler.Default);
        }
    }

    /// <summary>TTL expiry, change-history retention, idle cursor reaping, retryable-write memory: all off the request path.</summary>
    private async Task MaintenanceLoopAsync()
    {
        var lastPrune = DateTimeOffset.MinValue;
        using var timer = new PeriodicTimer(Options.TtlMonitorInterval, Options.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping.Token))
            {
                try
                {
                    context.AbortExpiredTransactions();
                    TtlMonitor.Sweep(store);
                    if (Options.Time.GetUtcNow() - lastPrune > TimeSpan.FromSeconds(Math.Min(60, Math.Max(1, Options.ChangeStreamHistoryRetention.TotalSeconds / 4))))
                    {
                        store.PruneHistory(Options.ChangeStreamHistoryRetention);
                        context.Cursors.RemoveIdle(Options.CursorIdleTimeout);
                        context.RetryableWrites.Expire();
                        context.Activity.ExpireSessions();
                        store.PruneRetryableWrites(DateTime.UtcNow - RetryableWriteCache.Lifetime);
                        lastPrune = Options.Time.GetUtcNow();
                    }
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    context.Log($"maintenance failed: {exception}");
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>Closes quiet unauthenticated and idle connections; often enough that a short grace period is kept closely.</summary>
    private async Task ConnectionSweepLoopAsync()
    {
        var period = TimeSpan.FromMilliseconds(Math.Clamp(Options.UnauthenticatedTimeout.TotalMilliseconds / 4, 50, 1000));
        using var timer = new PeriodicTimer(period, Options.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping.Token))
            {
                connections.Sweep();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>Stops accepting, closes client connections and flushes storage.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref stopped, 1) == 1)
        {
            return;
        }

        await stopping.CancelAsync();
        listener.Stop();
        Task[] running;
        lock (connectionGate)
        {
            running = [.. connectionTasks, .. backgroundTasks];
        }

        await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
        context.AbortAllTransactions();
        store.Dispose();
        stopping.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
