using CsCheck;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Domain.Integrations;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Mongo.Tests.Integration;

/// <summary>
/// The port-allocation invariant: several allocators racing through the real store's atomic claim never hand out a port twice.
/// Each allocator works from a snapshot taken when it starts, so most claims race on stale information.
/// </summary>
public sealed class PortClaimPropertyTests(MongoTestTarget target, ITestOutputHelper output) : IClassFixture<MongoTestTarget>
{
    private const int Allocators = 8;
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Eight_concurrent_allocators_never_share_a_port_and_every_owner_keeps_the_one_it_got()
    {
        await using var database = target.CreateDatabase(output);
        await new SchemaInstaller(database.Database).InstallAsync(None);
        var store = new MongoIntegrationStore(database.Database);

        // owners, range size, how many owners ask twice (an owner asking again must keep its port)
        var scenarios = Gen.Select(Gen.Int[1, 24], Gen.Int[3, 16], Gen.Int[0, 8]);
        await scenarios.SampleAsync(async (owners, rangeSize, askingTwice) =>
        {
            await store.PortAllocations.DeleteManyAsync(FilterDefinition<BsonDocument>.Empty);
            var range = new PortRange(21000, 21000 + rangeSize - 1);
            var everyone = Enumerable.Range(0, owners).Select(i => new PortOwner($"t{i % 3}", $"i{i}", i % 2 == 0 ? "http" : "api")).ToList();
            var requests = everyone.Concat(everyone.Take(askingTwice)).ToList();

            var results = (await Task.WhenAll(Enumerable.Range(0, Allocators).Select(allocator => Task.Run(async () =>
            {
                var snapshot = await store.ListPortAllocationsAsync(null, None);
                var choices = new List<(PortOwner Owner, PortChoice Choice)>();
                foreach (var owner in requests.Where((_, index) => index % Allocators == allocator))
                {
                    choices.Add((owner, await ClaimAsync(store, owner, snapshot, range)));
                }

                return choices;
            })))).SelectMany(choices => choices).ToList();

            var final = await store.ListPortAllocationsAsync(null, None);
            Assert.Equal(final.Count, final.Select(allocation => allocation.Port).Distinct().Count());
            Assert.Equal(final.Count, final.Select(allocation => allocation.Owner).Distinct().Count());
            Assert.Equal(Math.Min(owners, rangeSize), final.Count);
            Assert.All(final, allocation => Assert.True(range.Contains(allocation.Port), $"{allocation.Port} outside {range}"));
            foreach (var (owner, choice) in results)
            {
                var held = final.SingleOrDefault(allocation => allocation.Owner == owner);
                if (choice.Kind == PortChoiceKind.Exhausted)
                {
                    Assert.Null(held);
                    Assert.Equal(rangeSize, final.Count);
                }
                else
                {
                    Assert.Equal(held?.Port, choice.Port);
                }
            }

            foreach (var owner in everyone)
            {
                var again = await ClaimAsync(store, owner, await store.ListPortAllocationsAsync(null, None), range);
                var held = final.SingleOrDefault(allocation => allocation.Owner == owner);
                Assert.Equal(held is null ? PortChoiceKind.Exhausted : PortChoiceKind.Kept, again.Kind);
                Assert.Equal(held?.Port, again.Port);
            }
        }, iter: 12, threads: 1);
    }

    private static Task<PortChoice> ClaimAsync(MongoIntegrationStore store, PortOwner owner, IReadOnlyCollection<PortAllocation> snapshot, PortRange range) =>
        PortAllocator.ClaimAsync(
            owner,
            snapshot,
            new HashSet<int>(),
            range,
            (port, ct) => new ValueTask<ClaimAttempt>(store.TryClaimPortAsync(new PortAllocation(owner.Tenant, owner.Integration, owner.PortName, port), ct)),
            None);
}
