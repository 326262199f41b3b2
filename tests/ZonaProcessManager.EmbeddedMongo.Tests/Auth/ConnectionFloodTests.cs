using System.Net.Sockets;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Auth;

/// <summary>
/// Sockets that connect and never log in must neither stay forever nor lock out real clients. Bounded: at most 1500
/// sockets, only to 127.0.0.1, each test well under a minute.
/// </summary>
public sealed class ConnectionFloodTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_flood_of_silent_sockets_is_closed_by_the_server_within_the_grace_period(bool requireAuthentication)
    {
        await using var server = await AuthServer.StartAsync(options => options with { RequireAuthentication = requireAuthentication, UnauthenticatedTimeout = Grace });
        var sockets = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 1000; i++)
            {
                var socket = new TcpClient();
                await socket.ConnectAsync("127.0.0.1", server.Server.Port);
                sockets.Add(socket);
            }

            // Each socket sees the server close it (end of stream) without ever having sent a byte.
            using var deadline = new CancellationTokenSource(Grace + TimeSpan.FromSeconds(30));
            var closed = await Task.WhenAll(sockets.Select(socket => ClosedByServerAsync(socket, deadline.Token)));
            Assert.All(closed, Assert.True);

            using var client = server.AdminClient();
            Assert.Equal(1, (await client.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1)))["ok"].ToInt32());
        }
        finally
        {
            sockets.ForEach(socket => socket.Dispose());
        }
    }

    [Fact]
    public async Task While_unauthenticated_sockets_keep_arriving_logged_in_clients_keep_working_and_new_ones_get_in()
    {
        // A small pending cap that a steady flood keeps full the whole time; the established cap is the default. The
        // grace period outlasts the test, so only the separate caps can let the clients in, not the timeout.
        await using var server = await AuthServer.StartAsync(options => options with { MaxPendingConnections = 200, UnauthenticatedTimeout = TimeSpan.FromMinutes(1) });
        using var operatorLike = server.AdminClient();
        var things = operatorLike.GetDatabase("app").GetCollection<BsonDocument>("things");
        await things.InsertOneAsync(new BsonDocument("_id", 0));

        const int MaxArrivals = 10_000;
        const int MaxHeld = 1_500;
        var held = new Queue<TcpClient>();
        var arrivals = 0;
        using var stopFlood = new CancellationTokenSource();
        var flood = Task.Run(async () =>
        {
            // Silent sockets arrive steadily (paced, bounded in number) and are held, as by someone filling the server.
            while (!stopFlood.IsCancellationRequested && arrivals < MaxArrivals)
            {
                var socket = new TcpClient();
                await socket.ConnectAsync("127.0.0.1", server.Server.Port);
                Interlocked.Increment(ref arrivals);
                lock (held)
                {
                    held.Enqueue(socket);
                    if (held.Count > MaxHeld)
                    {
                        held.Dequeue().Dispose();
                    }
                }

                await Task.Delay(1);
            }
        });

        try
        {
            await Eventually.TrueAsync(() => Task.FromResult(Volatile.Read(ref arrivals) >= 400), TimeSpan.FromSeconds(30), "the flood to fill the pending cap twice over");
            var fresh = new List<MongoClient>();
            try
            {
                for (var round = 1; round <= 3; round++)
                {
                    // The long-lived client's pooled connections keep answering…
                    for (var i = 0; i < 10; i++)
                    {
                        await things.InsertOneAsync(new BsonDocument("_id", $"{round}-{i}"));
                    }

                    // …and a client that arrives in the middle of the flood connects and logs in.
                    var newcomer = server.AdminClient();
                    fresh.Add(newcomer);
                    var seen = await newcomer.GetDatabase("app").GetCollection<BsonDocument>("things").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty);
                    Assert.Equal(1 + (round * 10), seen);
                }
            }
            finally
            {
                fresh.ForEach(client => client.Dispose());
            }

            Assert.False(flood.IsCompleted, "the flood must still be going on when the clients are done, or this tests nothing");
            output.WriteLine($"{Volatile.Read(ref arrivals)} flood sockets arrived while the clients worked");
        }
        finally
        {
            await stopFlood.CancelAsync();
            await flood;
            lock (held)
            {
                while (held.Count > 0)
                {
                    held.Dequeue().Dispose();
                }
            }
        }
    }

    [Fact]
    public async Task An_idle_logged_in_connection_is_closed_after_the_idle_timeout_but_a_long_command_is_not_cut_off()
    {
        var idle = TimeSpan.FromSeconds(1);
        await using var server = await AuthServer.StartAsync(options => options with { IdleConnectionTimeout = idle });
        using var raw = await Robustness.RawWireClient.ConnectAsync(server.Server.ConnectionStringFor(server.Admin.User, server.Admin.Password));
        var ping = new BsonDocument { { "ping", 1 }, { "$db", "admin" } };
        Assert.Equal(1, (await raw.CommandAsync(ping, TimeSpan.FromSeconds(10)))["ok"].ToInt32());

        // A change-stream getMore that waits three times the idle timeout for events still gets its answer.
        var opened = await raw.CommandAsync(
            BsonDocument.Parse("{aggregate: 1, pipeline: [{$changeStream: {}}], cursor: {}, $db: 'app'}"), TimeSpan.FromSeconds(10));
        var getMore = new BsonDocument { { "getMore", opened["cursor"]["id"].ToInt64() }, { "collection", "$cmd.aggregate" }, { "maxTimeMS", 3000 }, { "$db", "app" } };
        Assert.Equal(1, (await raw.CommandAsync(getMore, TimeSpan.FromSeconds(20)))["ok"].ToInt32());

        // Then, quiet, it is closed by the server.
        var (outcome, _) = await raw.ReadOutcomeAsync(idle + TimeSpan.FromSeconds(20));
        Assert.Equal(Robustness.RawOutcome.Closed, outcome);
    }

    private static async Task<bool> ClosedByServerAsync(TcpClient socket, CancellationToken deadline)
    {
        try
        {
            var buffer = new byte[1];
            return await socket.GetStream().ReadAsync(buffer, deadline) == 0;
        }
        catch (IOException)
        {
            return true; // reset by the server: closed as well
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
