using System.Diagnostics;
using Microsoft.Data.Sqlite;
using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.EmbeddedMongo;

namespace ZonaProcessManager.Benchmarks;

/// <summary>
/// The performance figures of the embedded server, side by side in one run: acknowledged single-document inserts
/// from one driver client vs raw Microsoft.Data.Sqlite inserts at the same durability (WAL, synchronous=FULL, one
/// transaction per insert), for a server in its own process (as `zpm mongo serve`) and one in the client's process (as
/// `zpm run` embeds it), the three taking turns in rounds; then find-by-_id latency and change-event delivery latency
/// (insert acknowledged → event received by a driver Watch cursor) on the own-process server; then one writer against
/// 16 concurrent writers on the own-process server, in alternating rounds.
/// Run: dotnet run -c Release --project bench/ZonaProcessManager.Benchmarks -- mongo
/// </summary>
public static class MongoServerBenchmark
{
    private const int InsertRounds = 5;
    private const int ConcurrentWriters = 16;
    private const int ConcurrencyRounds = 4;

    // Inserts (and change events) run first and left out of the figures, on both sides. Without them the server's figure
    // is mostly the JIT: the driver and server paths start as unoptimised tier-0 code, and the first ~1000 inserts ran
    // at half the steady speed, while the raw baseline is a handful of methods that are hot at once.
    private const int WarmUpOperations = 1000;

    public static async Task<int> RunAsync(string[] args)
    {
        var inserts = args.Length > 0 && int.TryParse(args[0], out var n) ? n : 2000;
        var root = Path.Combine(Path.GetTempPath(), "zpm-bench-mongo-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            var document = SampleDocument();
            using var raw = new RawSqliteInserter(Path.Combine(root, "raw.db"));
            await using var standalone = await ServerProcess.StartAsync(Path.Combine(root, "standalone"));
            await using var embedded = await EmbeddedMongoServer.StartAsync(new EmbeddedMongoOptions { Port = 0, DataDirectory = Path.Combine(root, "embedded") });
            using var standaloneClient = new MongoClient(standalone.ConnectionString);
            using var embeddedClient = new MongoClient(embedded.AdminConnectionString());
            var sides = new[]
            {
                new InsertSide(standaloneClient.GetDatabase("bench").GetCollection<BsonDocument>("services")),
                new InsertSide(embeddedClient.GetDatabase("bench").GetCollection<BsonDocument>("services")),
            };
            raw.Insert(document, -WarmUpOperations, 0);
            foreach (var side in sides)
            {
                await side.InsertAsync(document, -WarmUpOperations, 0, record: false);
            }

            // The three take turns in rounds, so a burst of load from elsewhere on the (shared) machine falls on all of
            // them instead of skewing whichever happened to run during it.
            var rawRounds = new List<TimeSpan>();
            var next = 0;
            for (var round = 0; round < InsertRounds; round++)
            {
                var end = inserts * (round + 1) / InsertRounds;
                rawRounds.Add(raw.Insert(document, next, end));
                foreach (var side in sides)
                {
                    await side.InsertAsync(document, next, end, record: true);
                }

                next = end;
            }

            var rawPerSecond = inserts / rawRounds.Sum(round => round.TotalSeconds);
            var (own, inProcess) = (sides[0], sides[1]);
            var collection = own.Collection;
            var findLatencies = new List<double>();
            var random = new Random(42);
            for (var i = 0; i < Math.Min(inserts, 2000); i++)
            {
                var id = random.Next(inserts);
                var started = Stopwatch.GetTimestamp();
                _ = await collection.Find(new BsonDocument("_id", id)).FirstOrDefaultAsync();
                findLatencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            var (eventLatencies, ackedInsertLatencies) = await ChangeEventLatencyAsync(standaloneClient.GetDatabase("bench").GetCollection<BsonDocument>("events"), document, 300, warmUp: 200);
            var (oneWriter, manyWriters) = await ConcurrentWritersAsync(standalone, document, inserts);

            Console.WriteLine($"Embedded MongoDB server benchmark ({inserts} inserts in {InsertRounds} alternating rounds after {WarmUpOperations} warm-up inserts each, {Environment.ProcessorCount} cores, load average {LoadAverage()}, {DateTime.UtcNow:u})");
            Console.WriteLine();
            Console.WriteLine($"| {"measure",-64} | {"value",14} |");
            Console.WriteLine($"|{new string('-', 66)}|{new string('-', 16)}|");
            Row("raw SQLite inserts/s (WAL, synchronous=FULL, 1 tx each)", rawPerSecond.ToString("F0"));
            Row("server in its own process: acknowledged inserts/s (1 client)", own.PerSecond.ToString("F0"));
            Row("ratio own-process server / raw SQLite (goal >= 50 %)", (own.PerSecond / rawPerSecond).ToString("P0"));
            Row("  the same ratio in each round, lowest - highest", RoundRatioRange(rawRounds, own.Rounds));
            Row("own-process insert latency p50 / p99 (ms)", $"{Percentile(own.Latencies, 50):F2} / {Percentile(own.Latencies, 99):F2}");
            Row("server in the client's process: acknowledged inserts/s", inProcess.PerSecond.ToString("F0"));
            Row("ratio in-process server / raw SQLite", (inProcess.PerSecond / rawPerSecond).ToString("P0"));
            Row("  the same ratio in each round, lowest - highest", RoundRatioRange(rawRounds, inProcess.Rounds));
            Row("in-process insert latency p50 / p99 (ms)", $"{Percentile(inProcess.Latencies, 50):F2} / {Percentile(inProcess.Latencies, 99):F2}");
            Row("own-process find-by-_id latency p50 / p99 (ms)", $"{Percentile(findLatencies, 50):F2} / {Percentile(findLatencies, 99):F2}");
            Row("own-process insert (watched) latency p50 / p99 (ms)", $"{Percentile(ackedInsertLatencies, 50):F2} / {Percentile(ackedInsertLatencies, 99):F2}");
            Row("change event after ack p50 / p99 (ms, goal p99 <= 1)", $"{Percentile(eventLatencies, 50):F2} / {Percentile(eventLatencies, 99):F2}");
            Row("own-process, 1 writer: acknowledged inserts/s", oneWriter.PerSecond.ToString("F0"));
            Row($"own-process, {ConcurrentWriters} writers (one client each): acknowledged inserts/s", manyWriters.PerSecond.ToString("F0"));
            Row($"ratio {ConcurrentWriters} writers / 1 writer, inserts/s (goal >= 3)", (manyWriters.PerSecond / oneWriter.PerSecond).ToString("F2"));
            Row("  the same ratio in each round, lowest - highest", RoundThroughputRange(oneWriter, manyWriters));
            Row("1 writer insert latency p50 / p99 (ms)", $"{Percentile(oneWriter.Latencies, 50):F2} / {Percentile(oneWriter.Latencies, 99):F2}");
            Row($"{ConcurrentWriters} writers insert latency p50 / p99 (ms)", $"{Percentile(manyWriters.Latencies, 50):F2} / {Percentile(manyWriters.Latencies, 99):F2}");
            Row($"ratio of p99 latencies, {ConcurrentWriters} writers / 1 writer (goal <= 2)", (Percentile(manyWriters.Latencies, 99) / Percentile(oneWriter.Latencies, 99)).ToString("F2"));
            Row($"server CPU per acknowledged insert, 1 / {ConcurrentWriters} writers (ms)", $"{oneWriter.ServerCpuMillisecondsPerInsert:F3} / {manyWriters.ServerCpuMillisecondsPerInsert:F3}");
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

    /// <summary>
    /// One writer against <see cref="ConcurrentWriters"/> writers, each with a client (and so a connection) of its own, on
    /// the own-process server, taking turns in rounds of <paramref name="insertsPerRound"/> inserts per side. Same
    /// durability on both sides: every insert is acknowledged only once its commit is synced; the many writers can
    /// share commits, which is what this measures.
    /// </summary>
    private static async Task<(WriterPhase One, WriterPhase Many)> ConcurrentWritersAsync(ServerProcess server, BsonDocument document, int insertsPerRound)
    {
        var clients = Enumerable.Range(0, ConcurrentWriters).Select(_ => new MongoClient(server.ConnectionString)).ToList();
        try
        {
            var collections = clients.Select(client => client.GetDatabase("bench").GetCollection<BsonDocument>("concurrent")).ToList();
            var one = new WriterPhase(collections.Take(1).ToList(), "one", () => server.CpuTime);
            var many = new WriterPhase(collections, "many", () => server.CpuTime);
            await one.RunAsync(document, WarmUpOperations, record: false);
            await many.RunAsync(document, WarmUpOperations, record: false);
            for (var round = 0; round < ConcurrencyRounds; round++)
            {
                await one.RunAsync(document, insertsPerRound, record: true);
                await many.RunAsync(document, insertsPerRound, record: true);
            }

            return (one, many);
        }
        finally
        {
            clients.ForEach(client => client.Dispose());
        }
    }

    /// <summary>Writers inserting side by side, each one insert after another; the inserts of a round are split among them.</summary>
    private sealed class WriterPhase(List<IMongoCollection<BsonDocument>> writers, string name, Func<TimeSpan> serverCpu)
    {
        private int count;
        private int batch;
        private TimeSpan cpu;

        /// <summary>The server process's CPU time per acknowledged insert: the work a write costs it, whatever the machine's load.</summary>
        public double ServerCpuMillisecondsPerInsert => cpu.TotalMilliseconds / count;

        public List<double> Latencies { get; } = [];
        public List<double> RoundsPerSecond { get; } = [];
        public List<TimeSpan> Rounds { get; } = [];
        public double PerSecond => count / Rounds.Sum(round => round.TotalSeconds);

        public async Task RunAsync(BsonDocument document, int inserts, bool record)
        {
            var prefix = $"{name}-{batch++}";
            var perWriter = Math.Max(1, inserts / writers.Count);
            var cpuBefore = serverCpu();
            var started = Stopwatch.GetTimestamp();
            var latencies = await Task.WhenAll(writers.Select((collection, writer) => Task.Run(async () =>
            {
                var own = new List<double>(perWriter);
                for (var i = 0; i < perWriter; i++)
                {
                    var insertStarted = Stopwatch.GetTimestamp();
                    await collection.InsertOneAsync(new BsonDocument("_id", $"{prefix}-{writer}-{i}").AddRange(document));
                    own.Add(Stopwatch.GetElapsedTime(insertStarted).TotalMilliseconds);
                }

                return own;
            })));
            var elapsed = Stopwatch.GetElapsedTime(started);
            var cpuUsed = serverCpu() - cpuBefore;
            if (record)
            {
                cpu += cpuUsed;
                Latencies.AddRange(latencies.SelectMany(own => own));
                Rounds.Add(elapsed);
                RoundsPerSecond.Add(perWriter * writers.Count / elapsed.TotalSeconds);
                count += perWriter * writers.Count;
            }
        }
    }

    private static string RoundThroughputRange(WriterPhase one, WriterPhase many)
    {
        var ratios = many.RoundsPerSecond.Zip(one.RoundsPerSecond, (manyRound, oneRound) => manyRound / oneRound).ToList();
        return $"{ratios.Min():F2} - {ratios.Max():F2}";
    }

    /// <summary>
    /// The child side of <see cref="ServerProcess"/>: serves a store in <paramref name="dataDirectory"/> on a free port,
    /// prints the connection string, and stops when its standard input closes (so it never outlives the benchmark).
    /// </summary>
    public static async Task<int> ServeAsync(string dataDirectory)
    {
        await using var server = await EmbeddedMongoServer.StartAsync(new EmbeddedMongoOptions { Port = 0, DataDirectory = dataDirectory });
        // To the parent through a pipe only: this connection string holds the administrator's password.
        Console.WriteLine(server.AdminConnectionString());
        while (await Console.In.ReadLineAsync() is not null)
        {
            // Nothing is sent; end of input is the signal to stop.
        }

        return 0;
    }

    /// <summary>One side of the insert comparison: its collection, its measured time and latencies.</summary>
    private sealed class InsertSide(IMongoCollection<BsonDocument> collection)
    {
        private int count;

        public IMongoCollection<BsonDocument> Collection => collection;
        public List<double> Latencies { get; } = [];
        public List<TimeSpan> Rounds { get; } = [];
        public double PerSecond => count / Rounds.Sum(round => round.TotalSeconds);

        public async Task InsertAsync(BsonDocument document, int from, int to, bool record)
        {
            var started = Stopwatch.GetTimestamp();
            for (var i = from; i < to; i++)
            {
                var insertStarted = Stopwatch.GetTimestamp();
                await collection.InsertOneAsync(WithId(document, i));
                if (record)
                {
                    Latencies.Add(Stopwatch.GetElapsedTime(insertStarted).TotalMilliseconds);
                }
            }

            if (record)
            {
                Rounds.Add(Stopwatch.GetElapsedTime(started));
                count += to - from;
            }
        }
    }

    /// <summary>
    /// The embedded server in a process of its own, as `zpm mongo serve` runs it: the figure users get from a separate
    /// client, without the client's threads and garbage collector sharing the server's runtime.
    /// </summary>
    internal sealed class ServerProcess : IAsyncDisposable
    {
        private readonly Process process;

        private ServerProcess(Process process, string connectionString)
        {
            this.process = process;
            ConnectionString = connectionString;
        }

        public string ConnectionString { get; }

        public TimeSpan CpuTime
        {
            get
            {
                process.Refresh();
                return process.TotalProcessorTime;
            }
        }

        public static async Task<ServerProcess> StartAsync(string dataDirectory)
        {
            var start = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            if (Path.GetFileNameWithoutExtension(start.FileName) == "dotnet")
            {
                start.ArgumentList.Add(typeof(MongoServerBenchmark).Assembly.Location);
            }

            start.ArgumentList.Add("mongo-serve");
            start.ArgumentList.Add(dataDirectory);
            var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the benchmark's server process");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            if (line is null || !line.StartsWith("mongodb://", StringComparison.Ordinal))
            {
                process.Kill(entireProcessTree: true);
                process.Dispose();
                throw new InvalidOperationException($"the benchmark's server process did not report a connection string (got: {line ?? "end of output"})");
            }

            return new ServerProcess(process, line);
        }

        public async ValueTask DisposeAsync()
        {
            process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
        }
    }

    // Figures from a shared machine mean little without the load they were taken under.
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    // Each round runs the same inserts on every side, so its ratio is the baseline's time over the side's. How far these
    // spread within one run shows how much of the overall ratio is the machine rather than the server.
    private static string RoundRatioRange(List<TimeSpan> rawRounds, List<TimeSpan> sideRounds)
    {
        var ratios = rawRounds.Zip(sideRounds, (rawRound, sideRound) => rawRound / sideRound).ToList();
        return $"{ratios.Min():P0} - {ratios.Max():P0}";
    }

    private static void Row(string name, string value) => Console.WriteLine($"| {name,-64} | {value,14} |");

    // _id first, where the driver and mongosh put an _id they generate and a mapped class puts its Id; the server, like
    // MongoDB, moves an _id that comes later to the front, which costs it a serialization of its own.
    private static BsonDocument WithId(BsonDocument document, int id) => new BsonDocument("_id", id).AddRange(document);

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
                body.Value = WithId(document, i).ToBson();
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

    private static async Task<(List<double> Events, List<double> Inserts)> ChangeEventLatencyAsync(IMongoCollection<BsonDocument> collection, BsonDocument document, int count, int warmUp)
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
        for (var i = -warmUp; i < count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await collection.InsertOneAsync(WithId(document, i));
            var acknowledged = Stopwatch.GetTimestamp();
            if (!await arrival.WaitAsync(TimeSpan.FromSeconds(10)))
            {
                throw new TimeoutException($"change event for _id {i} did not arrive within 10 s");
            }

            long at;
            lock (received)
            {
                at = received[i];
            }

            if (i < 0)
            {
                continue; // warm-up
            }

            inserts.Add(Stopwatch.GetElapsedTime(started, acknowledged).TotalMilliseconds);
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
