using System.Collections.Concurrent;
using System.Diagnostics;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Driver;

/// <summary>
/// Many clients writing at once, as the operator's controllers and a user's scripts do: every acknowledged write is
/// there, a bad write fails alone with its own error, and a change stream reports the writes in the order they
/// committed. The embedded server commits concurrent writes in groups; these hold for any server.
/// </summary>
public sealed class ConcurrentWriteTests(MongoTestTarget target, ITestOutputHelper output) : DriverTestBase(target, output)
{
    private const int Writers = 16;
    private const int WritesPerWriter = 25;

    [Fact]
    public async Task Sixteen_concurrent_writers_are_all_acknowledged_and_every_write_is_stored()
    {
        await using var db = NewDatabase();

        await Task.WhenAll(Enumerable.Range(0, Writers).Select(writer => Task.Run(async () =>
        {
            using var client = Target.CreateClient();
            var items = client.GetDatabase(db.Name).GetCollection<BsonDocument>("items");
            for (var i = 0; i < WritesPerWriter; i++)
            {
                await items.InsertOneAsync(new BsonDocument { { "_id", $"{writer}-{i}" }, { "writer", writer }, { "i", i } });
                await items.UpdateOneAsync(new BsonDocument("_id", $"{writer}-{i}"), new BsonDocument("$set", new BsonDocument("updated", true)));
            }
        })));

        var stored = await db.Collection<BsonDocument>("items").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();
        Assert.Equal(Writers * WritesPerWriter, stored.Count);
        Assert.All(stored, document => Assert.True(document.GetValue("updated", false).AsBoolean, $"{document["_id"]} lost its acknowledged update"));
        var expected = Enumerable.Range(0, Writers).SelectMany(w => Enumerable.Range(0, WritesPerWriter).Select(i => $"{w}-{i}")).Order();
        Assert.Equal(expected, stored.Select(d => d["_id"].AsString).Order());
    }

    [Fact]
    public async Task A_duplicate_key_and_a_validator_refusal_among_many_concurrent_writes_fail_alone_with_their_own_errors()
    {
        await using var db = NewDatabase();
        await db.Database.CreateCollectionAsync("accounts", new CreateCollectionOptions<BsonDocument>
        {
            Validator = new BsonDocument("$jsonSchema", BsonDocument.Parse("{ bsonType: 'object', required: ['email'], properties: { email: { bsonType: 'string' } } }")),
        });
        var accounts = db.Collection<BsonDocument>("accounts");
        await accounts.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(new BsonDocument("email", 1), new CreateIndexOptions { Unique = true }));
        await accounts.InsertOneAsync(new BsonDocument { { "_id", "existing" }, { "email", "taken@example.org" } });
        const int duplicateWriter = 3;
        const int invalidWriter = 11;
        const int badAt = WritesPerWriter / 2;

        var failures = new ConcurrentDictionary<string, MongoWriteException>();
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(writer => Task.Run(async () =>
        {
            using var client = Target.CreateClient();
            var collection = client.GetDatabase(db.Name).GetCollection<BsonDocument>("accounts");
            for (var i = 0; i < WritesPerWriter; i++)
            {
                var id = $"{writer}-{i}";
                var document = (writer, i) switch
                {
                    (duplicateWriter, badAt) => new BsonDocument { { "_id", id }, { "email", "taken@example.org" } },
                    (invalidWriter, badAt) => new BsonDocument { { "_id", id }, { "email", 42 } },
                    _ => new BsonDocument { { "_id", id }, { "email", $"{id}@example.org" } },
                };
                try
                {
                    await collection.InsertOneAsync(document);
                }
                catch (MongoWriteException error)
                {
                    failures[id] = error;
                }
            }
        })));

        Assert.Equal(new[] { $"{duplicateWriter}-{badAt}", $"{invalidWriter}-{badAt}" }.Order(), failures.Keys.Order());
        Assert.Equal(11000, failures[$"{duplicateWriter}-{badAt}"].WriteError.Code);
        Assert.Equal(121, failures[$"{invalidWriter}-{badAt}"].WriteError.Code);
        var stored = (await accounts.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync()).Select(d => d["_id"].AsString).ToHashSet();
        Assert.Equal(Writers * WritesPerWriter - 2 + 1, stored.Count);
        Assert.DoesNotContain($"{duplicateWriter}-{badAt}", stored);
        Assert.DoesNotContain($"{invalidWriter}-{badAt}", stored);
    }

    [Fact]
    public async Task A_change_stream_reports_concurrent_writes_in_commit_order_and_resumes_in_that_order()
    {
        await using var db = NewDatabase();
        await db.Database.CreateCollectionAsync("ordered");
        var ordered = db.Collection<BsonDocument>("ordered");
        using var stream = new ChangeStreamReader<BsonDocument>(await ordered.WatchAsync(ChangeStreamReader<BsonDocument>.Options()));
        // When each write was sent and when it was acknowledged, on one clock: a write acknowledged before another was
        // sent committed before it, so its event must come first.
        var clock = Stopwatch.StartNew();
        var sentAt = new ConcurrentDictionary<string, long>();
        var acknowledgedAt = new ConcurrentDictionary<string, long>();

        await Task.WhenAll(Enumerable.Range(0, Writers).Select(writer => Task.Run(async () =>
        {
            using var client = Target.CreateClient();
            var collection = client.GetDatabase(db.Name).GetCollection<BsonDocument>("ordered");
            for (var i = 0; i < WritesPerWriter; i++)
            {
                var id = $"{writer}-{i}";
                sentAt[id] = clock.ElapsedTicks;
                await collection.InsertOneAsync(new BsonDocument("_id", id));
                acknowledgedAt[id] = clock.ElapsedTicks;
            }
        })));

        var events = await stream.NextAsync(Writers * WritesPerWriter);
        var order = events.Select(e => e.DocumentKey["_id"].AsString).ToList();
        Assert.Equal(sentAt.Keys.Order(), order.Order());
        var position = order.Select((id, index) => (id, index)).ToDictionary(p => p.id, p => p.index);
        var violations = (from earlier in acknowledgedAt
                          from later in sentAt
                          where earlier.Value < later.Value && position[earlier.Key] > position[later.Key]
                          select $"{earlier.Key} acknowledged before {later.Key} was sent but reported after it").Take(5).ToList();
        Assert.True(violations.Count == 0, string.Join("; ", violations));
        Assert.True(events.Zip(events.Skip(1)).All(pair => pair.First.ClusterTime <= pair.Second.ClusterTime), "cluster times must not go back");

        var middle = events.Count / 2;
        using var resumed = new ChangeStreamReader<BsonDocument>(await ordered.WatchAsync(
            ChangeStreamReader<BsonDocument>.Options(new ChangeStreamOptions { ResumeAfter = events[middle].ResumeToken })));
        var rest = await resumed.NextAsync(events.Count - middle - 1);
        Assert.Equal(order.Skip(middle + 1), rest.Select(e => e.DocumentKey["_id"].AsString));
    }
}
