using System.Diagnostics;
using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Domain.Integrations;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.EmbeddedMongo;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Benchmarks;

/// <summary>
/// The host-port allocation figure: 8 concurrent allocators claim host ports for N owners through the real
/// MongoIntegrationStore (insert guarded by the unique port and owner indexes, retry with the next candidate on 11000)
/// against the embedded server with the installed schemas. Baseline in the same run: the same documents inserted by
/// 8 concurrent plain insertOne loops into an identically installed database, ports fixed in advance (no claim logic).
/// Each allocator lists the allocations once per <see cref="SnapshotEvery"/> claims, as a reconcile would, so most
/// claims race on a stale snapshot. Run: dotnet run -c Release --project bench/ZonaProcessManager.Benchmarks -- ports [N]
/// </summary>
public static class PortAllocationBenchmark
{
    private const int Allocators = 8;
    private const int SnapshotEvery = 100;
    private const int Rounds = 2;

    public static async Task<int> RunAsync(string[] args)
    {
        var owners = args.Length > 0 && int.TryParse(args[0], out var n) && n > 0 ? n : 2000;
        var range = new PortRange(20000, Math.Min(65535, 20000 + Math.Max(owners * 5, 10000) - 1));
        if (owners > range.Count)
        {
            Console.Error.WriteLine($"{owners} owners do not fit in {range}");
            return 2;
        }

        var root = Path.Combine(Path.GetTempPath(), "zpm-bench-ports-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            await using var server = await EmbeddedMongoServer.StartAsync(new EmbeddedMongoOptions { Port = 0, DataDirectory = Path.Combine(root, "server") });
            using var client = new MongoClient(server.AdminConnectionString());
            var everyone = Enumerable.Range(0, owners).Select(i => new PortOwner($"tenant{i / 5}", $"integration{i % 5}", "http")).ToList();

            // Warm both paths up first (JIT, connection pool, SQLite caches), so neither pays that inside its timing.
            var warmup = everyone.Take(Math.Min(200, owners)).ToList();
            var warmupPlain = client.GetDatabase("bench_ports_warmup_plain");
            await new SchemaInstaller(warmupPlain).InstallAsync(CancellationToken.None);
            await PlainInsertsAsync(warmupPlain, warmup, range);
            var warmupClaims = client.GetDatabase("bench_ports_warmup_claims");
            await new SchemaInstaller(warmupClaims).InstallAsync(CancellationToken.None);
            await ClaimAllAsync(new MongoIntegrationStore(warmupClaims), warmup, range);

            // Two alternating rounds (plain, claims, plain, claims), each on fresh databases, so drift in the shared
            // machine's load hits both sides alike; the figures are the rounds' means, the store is the last round's.
            var baselineRates = new List<double>();
            var claimRates = new List<double>();
            long attempts = 0, lostRaces = 0;
            var exhausted = 0;
            int duplicatePorts = 0, duplicateOwners = 0, stored = 0;
            for (var round = 1; round <= Rounds; round++)
            {
                var baselineDatabase = client.GetDatabase($"bench_ports_plain_{round}");
                await new SchemaInstaller(baselineDatabase).InstallAsync(CancellationToken.None);
                baselineRates.Add(await PlainInsertsAsync(baselineDatabase, everyone, range));

                var database = client.GetDatabase($"bench_ports_claims_{round}");
                await new SchemaInstaller(database).InstallAsync(CancellationToken.None);
                var store = new MongoIntegrationStore(database);
                var result = await ClaimAllAsync(store, everyone, range);
                var final = await store.ListPortAllocationsAsync(null, CancellationToken.None);
                duplicatePorts += final.Count - final.Select(allocation => allocation.Port).Distinct().Count();
                duplicateOwners += final.Count - final.Select(allocation => allocation.Owner).Distinct().Count();
                stored += final.Count;
                claimRates.Add(result.PerSecond);
                (attempts, lostRaces, exhausted) = (attempts + result.Attempts, lostRaces + result.LostRaces, exhausted + result.Exhausted);
            }

            var baselinePerSecond = baselineRates.Average();
            var claimPerSecond = claimRates.Average();

            Console.WriteLine($"Port allocation benchmark ({owners} owners, {Allocators} concurrent allocators, range {range}, "
                + $"snapshot every {SnapshotEvery} claims, {Environment.ProcessorCount} cores, {DateTime.UtcNow:u})");
            Console.WriteLine();
            Console.WriteLine($"| {"measure",-58} | {"value",-20} |");
            Console.WriteLine($"|{new string('-', 60)}|{new string('-', 22)}|");
            Row("baseline: plain insertOne of the same documents /s", $"{baselinePerSecond:F0} ({string.Join(", ", baselineRates.Select(rate => rate.ToString("F0")))})");
            Row("allocations/s through PortAllocator + store claim", $"{claimPerSecond:F0} ({string.Join(", ", claimRates.Select(rate => rate.ToString("F0")))})");
            Row("ratio allocations / plain inserts", (claimPerSecond / baselinePerSecond).ToString("P0"));
            Row($"claim attempts (inserts tried, {Rounds} rounds)", attempts.ToString());
            Row($"retries (lost races: port taken concurrently, {Rounds} rounds)", lostRaces.ToString());
            Row($"owners left without a port ({Rounds} rounds)", exhausted.ToString());
            Row($"allocations stored ({Rounds} rounds)", stored.ToString());
            Row("duplicate ports found afterwards (must be 0)", duplicatePorts.ToString());
            Row("owners holding two ports (must be 0)", duplicateOwners.ToString());
            return duplicatePorts == 0 && duplicateOwners == 0 && stored == owners * Rounds && exhausted == 0 ? 0 : 1;
        }
        finally
        {
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

    private static async Task<double> PlainInsertsAsync(IMongoDatabase database, IReadOnlyList<PortOwner> everyone, PortRange range)
    {
        var collection = database.GetCollection<BsonDocument>(ZpmCollections.PortAllocations);
        var allocatedAt = DateTimeOffset.UtcNow;
        var documents = everyone
            .Select((owner, index) => IntegrationDocumentMapper.ToDocument(new PortAllocation(owner.Tenant, owner.Integration, owner.PortName, range.First + index), allocatedAt))
            .ToList();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Allocators).Select(allocator => Task.Run(async () =>
        {
            for (var i = allocator; i < documents.Count; i += Allocators)
            {
                await collection.InsertOneAsync(documents[i]);
            }
        })));
        return documents.Count / clock.Elapsed.TotalSeconds;
    }

    private static async Task<(double PerSecond, long Attempts, long LostRaces, int Exhausted)> ClaimAllAsync(
        MongoIntegrationStore store, IReadOnlyList<PortOwner> everyone, PortRange range)
    {
        long attempts = 0;
        long lostRaces = 0;
        var exhausted = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Allocators).Select(allocator => Task.Run(async () =>
        {
            IReadOnlyList<PortAllocation> snapshot = [];
            var claimed = 0;
            for (var i = allocator; i < everyone.Count; i += Allocators)
            {
                if (claimed++ % SnapshotEvery == 0)
                {
                    snapshot = await store.ListPortAllocationsAsync(null, CancellationToken.None);
                }

                var owner = everyone[i];
                var choice = await PortAllocator.ClaimAsync(owner, snapshot, new HashSet<int>(), range, async (port, ct) =>
                {
                    Interlocked.Increment(ref attempts);
                    var attempt = await store.TryClaimPortAsync(new PortAllocation(owner.Tenant, owner.Integration, owner.PortName, port), ct);
                    if (attempt.Result == ClaimResult.PortTaken)
                    {
                        Interlocked.Increment(ref lostRaces);
                    }

                    return attempt;
                }, CancellationToken.None);
                if (choice.Kind == PortChoiceKind.Exhausted)
                {
                    Interlocked.Increment(ref exhausted);
                }
            }
        })));
        return (everyone.Count / clock.Elapsed.TotalSeconds, attempts, lostRaces, exhausted);
    }

    private static void Row(string name, string value) => Console.WriteLine($"| {name,-58} | {value,-20} |");
}
