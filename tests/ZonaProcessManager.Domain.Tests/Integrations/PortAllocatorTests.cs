using CsCheck;
using ZonaProcessManager.Domain.Integrations;
using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Tests.Integrations;

public class PortAllocatorTests
{
    private static readonly PortOwner Http = new("acme", "splunk", "http");
    private static readonly IReadOnlySet<int> NoneTaken = new HashSet<int>();

    [Fact]
    public void An_owner_keeps_the_port_it_already_has()
    {
        var allocations = new[] { new PortAllocation("acme", "splunk", "http", 24242), new PortAllocation("beta", "splunk", "http", 20000) };

        var choice = PortAllocator.Choose(Http, allocations, NoneTaken, PortRange.Default);

        Assert.Equal(new PortChoice(PortChoiceKind.Kept, 24242, "acme/splunk/http keeps port 24242"), choice);
    }

    [Fact]
    public void A_new_owner_gets_a_free_port_inside_the_range()
    {
        var choice = PortAllocator.Choose(Http, [], NoneTaken, PortRange.Default);

        Assert.Equal(PortChoiceKind.Candidate, choice.Kind);
        Assert.InRange(choice.Port!.Value, 20000, 29999);
    }

    [Fact]
    public void Candidates_skip_allocated_ports_and_ports_taken_on_the_host()
    {
        Gen.Int[0, 9].HashSet[0, 10].Select(Gen.Int[0, 9].HashSet[0, 10]).Sample((allocatedOffsets, hostOffsets) =>
        {
            var range = new PortRange(30000, 30009);
            var allocations = allocatedOffsets.Select(o => new PortAllocation("t", $"i{o}", "http", 30000 + o)).ToList();
            var onHost = hostOffsets.Select(o => 30000 + o).ToHashSet();

            var candidates = PortAllocator.Candidates(Http, allocations, onHost, range).ToList();

            var expectedFree = Enumerable.Range(30000, 10).Where(p => !onHost.Contains(p) && allocations.All(a => a.Port != p));
            Assert.Equal(expectedFree.Order(), candidates.Order());
            Assert.Equal(candidates.Count, candidates.Distinct().Count());
        });
    }

    [Fact]
    public void An_exhausted_range_is_a_clear_result_not_an_exception()
    {
        var range = new PortRange(30000, 30002);
        var allocations = new[] { new PortAllocation("t", "a", "http", 30000), new PortAllocation("t", "b", "http", 30001) };

        var choice = PortAllocator.Choose(Http, allocations, new HashSet<int> { 30002 }, range);

        Assert.Equal(PortChoiceKind.Exhausted, choice.Kind);
        Assert.Null(choice.Port);
        Assert.Equal("No free host port left in 30000-30002 for acme/splunk/http (2 allocated, 1 taken on the host)", choice.Message);
    }

    [Fact]
    public void Different_owners_start_from_different_places_so_concurrent_allocators_rarely_collide()
    {
        var firsts = Enumerable.Range(0, 20)
            .Select(i => PortAllocator.Choose(new PortOwner("acme", $"integration-{i}", "http"), [], NoneTaken, PortRange.Default).Port)
            .Distinct()
            .Count();

        Assert.True(firsts >= 18, $"only {firsts} distinct first choices for 20 owners");
    }

    [Fact]
    public void The_first_choice_of_an_owner_is_stable_across_calls()
    {
        var a = PortAllocator.Choose(Http, [], NoneTaken, PortRange.Default);
        var b = PortAllocator.Choose(Http, [], NoneTaken, PortRange.Default);

        Assert.Equal(a, b);
    }

    [Fact]
    public void Allocations_of_owners_that_are_gone_are_released()
    {
        var kept = new PortAllocation("acme", "splunk", "http", 20001);
        var gone = new PortAllocation("acme", "qradar", "http", 20002);
        var tenantGone = new PortAllocation("beta", "splunk", "http", 20000);

        var release = PortAllocator.ToRelease([kept, gone, tenantGone], new HashSet<PortOwner> { kept.Owner });

        Assert.Equal([tenantGone, gone], release);
    }

    /// <summary>A store with the two unique indexes of port_allocations (port; owner), atomic like MongoDB's.</summary>
    private sealed class UniqueIndexStore
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<int, PortOwner> _byPort = [];
        private readonly Dictionary<PortOwner, int> _byOwner = [];

        public IReadOnlyList<PortAllocation> Snapshot()
        {
            lock (_gate)
            {
                return [.. _byPort.Select(e => new PortAllocation(e.Value.Tenant, e.Value.Integration, e.Value.PortName, e.Key))];
            }
        }

        public async ValueTask<ClaimAttempt> TryClaim(PortOwner owner, int port)
        {
            await Task.Yield();
            lock (_gate)
            {
                if (_byOwner.TryGetValue(owner, out var existing))
                {
                    return new ClaimAttempt(ClaimResult.OwnerHasPort, existing);
                }

                if (!_byPort.TryAdd(port, owner))
                {
                    return new ClaimAttempt(ClaimResult.PortTaken);
                }

                _byOwner[owner] = port;
                return new ClaimAttempt(ClaimResult.Claimed);
            }
        }
    }

    [Fact]
    public void Concurrent_allocators_never_hand_out_a_port_twice_and_each_owner_ends_with_one_port()
    {
        Gen.Select(Gen.Int[1, 40], Gen.Int[5, 30], Gen.Int[2, 8]).Sample((owners, rangeSize, allocators) =>
        {
            var range = new PortRange(40000, 40000 + rangeSize - 1);
            var store = new UniqueIndexStore();
            var requests = Enumerable.Range(0, owners)
                .SelectMany(i => Enumerable.Repeat(new PortOwner("t", $"i{i}", "http"), 1 + (i % 2)))
                .ToList();

            var results = Task.WhenAll(requests.Chunk(Math.Max(1, requests.Count / allocators)).Select(chunk => Task.Run(async () =>
            {
                var choices = new List<(PortOwner Owner, PortChoice Choice)>();
                foreach (var owner in chunk)
                {
                    var choice = await PortAllocator.ClaimAsync(owner, store.Snapshot(), new HashSet<int>(), range,
                        (port, _) => store.TryClaim(owner, port), CancellationToken.None);
                    choices.Add((owner, choice));
                }

                return choices;
            }))).GetAwaiter().GetResult().SelectMany(c => c).ToList();

            var final = store.Snapshot();
            Assert.Equal(final.Count, final.Select(a => a.Port).Distinct().Count());
            Assert.Equal(Math.Min(owners, rangeSize), final.Count);
            Assert.All(final, a => Assert.True(range.Contains(a.Port)));
            foreach (var (owner, choice) in results)
            {
                var held = final.SingleOrDefault(a => a.Owner == owner);
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
        }, iter: 100);
    }

    [Theory]
    [InlineData(0, 10)]
    [InlineData(10, 9)]
    [InlineData(1, 70000)]
    public void A_nonsense_range_is_refused(int first, int last)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PortRange(first, last));
    }
}
