using MongoDB.Bson;
using Xunit.Abstractions;
using ZonaProcessManager.EmbeddedMongo.Tests.Robustness;
using ZonaProcessManager.Testing.Mongo;
using static ZonaProcessManager.EmbeddedMongo.Tests.Server.RetryableCommands;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Process;

/// <summary>
/// A client that lost a reply because the server was killed retries the write (same lsid and txnNumber) once a server
/// runs again on the same data: the write must count exactly once, whether or not it had committed before the kill.
/// </summary>
[Trait("Category", "Process")]
public sealed class RetriedWriteKillTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);

    private static Task<RawWireClient> ConnectAsync(MongoServerProcess server) => RawWireClient.ConnectAsync(server.ConnectionString);

    [Fact]
    public async Task Writes_retried_after_SIGKILL_answer_as_the_first_time_and_are_applied_once()
    {
        await using var scope = new ChildServerScope(output);
        var writes = new (Guid Session, BsonDocument Command)[]
        {
            (Guid.NewGuid(), Insert("c", new BsonDocument { { "_id", "counter" }, { "n", 0 } })),
            (Guid.NewGuid(), Increment("c", "counter")),
            (Guid.NewGuid(), FindAndIncrement("c", "counter", 10)),
            (Guid.NewGuid(), Insert("c", new BsonDocument("_id", "doomed"))),
            (Guid.NewGuid(), DeleteOne("c", "doomed")),
        };
        var first = new List<BsonDocument>();
        var server = await scope.StartAsync();
        using (var client = await ConnectAsync(server))
        {
            foreach (var (session, command) in writes)
            {
                first.Add(Outcome(await client.CommandAsync(Retryable((BsonDocument)command.DeepClone(), session, 1, "killed"), ReplyTimeout)));
            }
        }

        await server.KillAsync();
        var restarted = await scope.StartAsync();
        using var retrier = await ConnectAsync(restarted);
        for (var i = 0; i < writes.Length; i++)
        {
            var retry = Outcome(await retrier.CommandAsync(Retryable((BsonDocument)writes[i].Command.DeepClone(), writes[i].Session, 1, "killed"), ReplyTimeout));
            Assert.True(first[i] == retry, $"retry of {writes[i].Command.GetElement(0).Name} after kill -9 answered {retry}, the first time {first[i]}");
        }

        var counter = await retrier.CommandAsync(new BsonDocument { { "find", "c" }, { "filter", new BsonDocument() }, { "$db", "killed" } }, ReplyTimeout);
        var documents = counter["cursor"]["firstBatch"].AsBsonArray;
        Assert.Equal(11, Assert.Single(documents)["n"].ToInt32());
    }

    [Fact]
    public async Task Increments_whose_replies_were_lost_to_SIGKILL_count_once_when_retried()
    {
        const int Kills = 10;
        const int IncrementsBetweenKills = 5;
        await using var scope = new ChildServerScope(output);
        var session = Guid.NewGuid();
        var server = await scope.StartAsync();
        var client = await ConnectAsync(server);
        await client.CommandAsync(Retryable(Insert("counters", new BsonDocument { { "_id", "c" }, { "n", 0 } }), session, 1, "killed"), ReplyTimeout);
        var txnNumber = 1L;
        var acknowledged = 0;
        try
        {
            for (var kill = 0; kill < Kills; kill++)
            {
                for (var i = 0; i < IncrementsBetweenKills; i++)
                {
                    var reply = await client.CommandAsync(Retryable(Increment("counters", "c"), session, ++txnNumber, "killed"), ReplyTimeout);
                    Assert.Equal(1, reply["nModified"].ToInt32());
                    acknowledged++;
                }

                // The increment in flight when the server dies: alternately killed right after sending (committed or not,
                // nobody knows) and after its reply arrived but is treated as lost (committed for sure).
                var inFlight = ++txnNumber;
                await client.SendAsync(client.OpMsgFrame(Retryable(Increment("counters", "c"), session, inFlight, "killed").ToBson()));
                if (kill % 2 == 1)
                {
                    await client.ReadOutcomeAsync(ReplyTimeout);
                }

                await server.KillAsync();
                client.Dispose();
                server = await scope.StartAsync();
                client = await ConnectAsync(server);
                var retried = await client.CommandAsync(Retryable(Increment("counters", "c"), session, inFlight, "killed"), ReplyTimeout);
                Assert.True(retried["ok"].ToDouble() == 1 && retried["nModified"].ToInt32() == 1, $"retry after kill {kill + 1} answered {retried}");
                acknowledged++;
            }

            var stored = await client.CommandAsync(new BsonDocument { { "find", "counters" }, { "filter", new BsonDocument("_id", "c") }, { "$db", "killed" } }, ReplyTimeout);
            var n = stored["cursor"]["firstBatch"][0]["n"].ToInt32();
            output.WriteLine($"{Kills} kills, {acknowledged} acknowledged increments, counter {n}");
            Assert.True(n == acknowledged, $"counter is {n} after {acknowledged} acknowledged increments and {Kills} kills");
        }
        finally
        {
            client.Dispose();
        }
    }
}
