using System.Diagnostics;
using Microsoft.Data.Sqlite;
using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.EmbeddedMongo;

namespace ZonaProcessManager.Benchmarks;

/// <summary>
/// Issue 2's performance figures for the embedded server, side by side in one run: acknowledged single-document inserts
/// from one driver client vs raw Microsoft.Data.Sqlite inserts at the same durability (WAL, synchronous=FULL, one
/// transaction per insert; the two take turns in rounds), find-by-_id latency, and change-event delivery latency (insert acknowledged → event
/// received by a driver Watch cursor). Run: dotnet run -c Release --project bench/ZonaProcessManager.Benchmarks -- mongo
/// </summary>
public static class MongoServerBenchmark
{
    private const int InsertRounds = 5;

    public static async Task<int> RunAsync(string[] args)
    {
        var inserts = args.Length > 0 && int.TryParse(args[0], out var n) ? n : 2000;
        var root = Path.Combine(Path.GetTempPath(), "zpm-bench-mongo-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            var document = SampleDocument();
            using var raw = new RawSqliteInserter(Path.Combine(root, "raw.db"));
            await using var server = await EmbeddedMongoServer.StartAsync(new EmbeddedMongoOptions { Port = 0, DataDirectory = Path.Combine(root, "server") });
            using var client = new MongoClient(server.ConnectionString);
            var collection = client.GetDatabase("bench").GetCollection<BsonDocument>("services");
            await collection.InsertOneAsync(new BsonDocument(document) { ["_id"] = "warmup" });

            // Baseline and server take turns in rounds, so a burst of load from elsewhere on the (shared) machine falls on
            // both sides instead of skewing whichever happened to run during it.
            var insertLatencies = new List<double>(inserts);
            var rawElapsed = TimeSpan.Zero;
            var serverElapsed = TimeSpan.Zero;
            var next = 0;
            for (var round = 0; round < InsertRounds; round++)
            {
                var end = inserts * (round + 1) / InsertRounds;
                rawElapsed += raw.Insert(document, next, end);
                var started = Stopwatch.GetTimestamp();
                for (var i = next; i < end; i++)
                {
                    var insertStarted = Stopwatch.GetTimestamp();
                    await collection.InsertOneAsync(new BsonDocument(document) { ["_id"] = i });
                    insertLatencies.Add(Stopwatch.GetElapsedTime(insertStarted).TotalMilliseconds);
                }

                serverElapsed += Stopwatch.GetElapsedTime(started);
                next = end;
            }

            var rawPerSecond = inserts / rawElapsed.TotalSeconds;
            var serverPerSecond = inserts / serverElapsed.TotalSeconds;

            var findLatencies = new List<double>();
            var random = new Random(42);
            for (var i = 0; i < Math.Min(inserts, 2000); i++)
            {
                var id = random.Next(inserts);
                var started = Stopwatch.GetTimestamp();
                _ = await collection.Find(new BsonDocument("_id", id)).FirstOrDefaultAsync();
                findLatencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            var (eventLatencies, ackedInsertLatencies) = await ChangeEventLatencyAsync(client.GetDatabase("bench").GetCollection<BsonDocument>("events"), document, 300);

            Console.WriteLine($"Embedded MongoDB server benchmark ({inserts} inserts in {InsertRounds} alternating rounds, {Environment.ProcessorCount} cores, load average {LoadAverage()}, {DateTime.UtcNow:u})");
            Console.WriteLine();
            Console.WriteLine($"| {"measure",-58} | {"value",14} |");
            Console.WriteLine($"|{new string('-', 60)}|{new string('-', 16)}|");
            Row("raw SQLite inserts/s (WAL, synchronous=FULL, 1 tx each)", rawPerSecond.ToString("F0"));
            Row("embedded server acknowledged inserts/s (1 driver client)", serverPerSecond.ToString("F0"));
            Row("ratio server / raw SQLite (goal >= 50 %)", (serverPerSecond / rawPerSecond).ToString("P0"));
            Row("insert latency p50 / p99 (ms)", $"{Percentile(insertLatencies, 50):F2} / {Percentile(insertLatencies, 99):F2}");
            Row("find-by-_id latency p50 / p99 (ms)", $"{Percentile(findLatencies, 50):F2} / {Percentile(findLatencies, 99):F2}");
            Row("insert (watched) latency p50 / p99 (ms)", $"{Percentile(ackedInsertLatencies, 50):F2} / {Percentile(ackedInsertLatencies, 99):F2}");
            Row("change event after ack p50 / p99 (ms, goal p99 <= 1)", $"{Percentile(eventLatencies, 50):F2} / {Percentile(eventLatencies, 99):F2}");
            return 0;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp directory left behind is harmless.
            }
        }
    }

    // Figures from a shared machine mean little without the load they were taken under.
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static void Row(string name, string value) => Console.WriteLine($"| {name,-58} | {value,14} |");

    private static BsonDocument SampleDocument() => BsonDocument.Parse("""
        {name: 'billing-api', tenant: 'acme', generation: 7,
         spec: {image: 'billing:1.4.2', replicas: 3, ports: [{container: 8080, host: 18080}], env: [{name: 'A', value: '1'}, {name: 'B', value: '2'}]},
         status: {phase: 'Running', observedGeneration: 7}}
        """);

    /// <summary>The baseline: raw Microsoft.Data.Sqlite, WAL, synchronous=FULL, one (autocommit) transaction per insert.</summary>
    private sealed class RawSqliteInserter : IDisposable
    {
        private readonly SqliteConnection connection;
        private readonly SqliteCommand insert;
        private readonly SqliteParameter key;
        private readonly SqliteParameter body;

        public RawSqliteInserter(string path)
        {
            connection = new SqliteConnection($"Data Source={path};Pooling=False");
            connection.Open();
            using (var pragma = connection.CreateCommand())
            {
                pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE docs(rid INTEGER PRIMARY KEY, idkey BLOB NOT NULL UNIQUE, doc BLOB NOT NULL);";
                pragma.ExecuteNonQuery();
            }

            insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO docs(idkey, doc) VALUES ($k, $d)";
            key = insert.Parameters.Add("$k", SqliteType.Blob);
            body = insert.Parameters.Add("$d", SqliteType.Blob);
        }

        /// <summary>Inserts documents with _id in [from, to) and returns the time taken.</summary>
        public TimeSpan Insert(BsonDocument document, int from, int to)
        {
            var started = Stopwatch.GetTimestamp();
            for (var i = from; i < to; i++)
            {
                key.Value = BitConverter.GetBytes(i);
                body.Value = new BsonDocument(document) { ["_id"] = i }.ToBson();
                insert.ExecuteNonQuery();
            }

            return Stopwatch.GetElapsedTime(started);
        }

        public void Dispose()
        {
            insert.Dispose();
            connection.Dispose();
        }
    }

    private static async Task<(List<double> Events, List<double> Inserts)> ChangeEventLatencyAsync(IMongoCollection<BsonDocument> collection, BsonDocument document, int count)
    {
        using var cursor = await collection.WatchAsync();
        var received = new Dictionary<int, long>();
        var arrival = new SemaphoreSlim(0);
        using var stop = new CancellationTokenSource();
        var consumer = Task.Run(async () =>
        {
            while (await cursor.MoveNextAsync(stop.Token))
            {
                var now = Stopwatch.GetTimestamp();
                foreach (var change in cursor.Current)
                {
                    lock (received)
                    {
                        received[change.DocumentKey["_id"].AsInt32] = now;
                    }

                    arrival.Release();
                }
            }
        });
        var events = new List<double>();
        var inserts = new List<double>();
        for (var i = 0; i < count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await collection.InsertOneAsync(new BsonDocument(document) { ["_id"] = i });
            var acknowledged = Stopwatch.GetTimestamp();
            inserts.Add(Stopwatch.GetElapsedTime(started, acknowledged).TotalMilliseconds);
            if (!await arrival.WaitAsync(TimeSpan.FromSeconds(10)))
            {
                throw new TimeoutException($"change event for _id {i} did not arrive within 10 s");
            }

            long at;
            lock (received)
            {
                at = received[i];
            }

            // An event can arrive before the client has processed its own insert reply; that counts as zero added latency.
            events.Add(Math.Max(0, Stopwatch.GetElapsedTime(acknowledged, at).TotalMilliseconds));
        }

        await stop.CancelAsync();
        try
        {
            await consumer;
        }
        catch (OperationCanceledException)
        {
            // Expected: the consumer stops with the benchmark.
        }

        return (events, inserts);
    }

    private static double Percentile(List<double> values, int percentile)
    {
        var sorted = values.Order().ToList();
        var index = (int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Count - 1)];
    }
}
