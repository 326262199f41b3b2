using MongoDB.Bson;
using Xunit.Abstractions;
using ZonaProcessManager.Testing.HighAvailability;
using static ZonaProcessManager.Cli.Tests.EndToEnd.HighAvailability.HaTestSupport;

namespace ZonaProcessManager.Cli.Tests.EndToEnd.HighAvailability;

/// <summary>
/// Two real `zpm run --mongo …` processes on one `zpm mongo serve`, electing a leader through the lease in the store:
/// the leader killed, frozen, shut down, and the store restarted under them. What each process did is recorded by the
/// relays it reaches Docker and the store through (see <see cref="HaCluster"/>), not taken from its own log.
/// </summary>
[Collection(HighAvailabilityCollection.Name)]
public sealed class LeaderTakeoverEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_killed_leader_is_replaced_within_one_lease_and_a_service_inserted_meanwhile_converges()
    {
        await using var cluster = await HaCluster.StartAsync(ZpmDll, NewRunId(), instances: 2, ShortLease);
        var first = await cluster.WaitForLeaderAsync(Settle);
        await cluster.Services.InsertOneAsync(cluster.Service("before", 2));
        await WaitConvergedAsync(cluster, new Dictionary<string, int> { ["before"] = 2 }, Settle);
        var containersBefore = (await cluster.ContainersAsync()).Select(c => c.ID).ToHashSet();

        var killedAt = DateTimeOffset.UtcNow;
        await first.Leader.KillAsync();
        await cluster.Services.InsertOneAsync(cluster.Service("meanwhile", 1));
        var second = await cluster.WaitForLeaderAsync(Settle, leader => leader != first.Leader);
        var takeover = second.Term.At - killedAt;
        output.WriteLine($"kill -9 of {first.Leader.Name} → {second.Leader.Name} leads (term {second.Term.Generation}) after {takeover.TotalMilliseconds:0} ms");

        // The killed leader's lease runs out at most one lease period after its last renewal, before the kill; the
        // standby then needs at most one retry period. One second more for scheduling on a shared two-core machine
        // still tells "one lease period" from two.
        Assert.True(takeover <= LeaseDuration + RetryPeriod + TimeSpan.FromSeconds(1),
            $"the standby led {takeover.TotalSeconds:0.00} s after the kill, more than one lease period\n{await cluster.DescribeAsync()}");
        Assert.True(second.Term.Generation > first.Term.Generation, $"generation {second.Term.Generation} after {first.Term.Generation}");

        await WaitConvergedAsync(cluster, new Dictionary<string, int> { ["before"] = 2, ["meanwhile"] = 1 }, Settle);
        var containers = await cluster.ContainersAsync();
        AssertNoDuplicateSlots(containers);
        // The takeover's start-up resync finds the converged service as it was: nothing of it is replaced.
        Assert.Superset(containersBefore, containers.Where(c => HaCluster.Label(c, Domain.Ports.ZpmLabels.Name) == "before").Select(c => c.ID).ToHashSet());
        AssertNoOverlappingTerms(cluster, output);
    }

    [Fact]
    public async Task A_leader_paused_past_its_lease_is_replaced_and_after_resuming_writes_nothing_and_creates_no_container()
    {
        await using var cluster = await HaCluster.StartAsync(ZpmDll, NewRunId(), instances: 2, ShortLease);
        var first = await cluster.WaitForLeaderAsync(Settle);
        await cluster.Services.InsertOneAsync(cluster.Service("web", 2));
        await WaitConvergedAsync(cluster, new Dictionary<string, int> { ["web"] = 2 }, Settle);

        first.Leader.Pause();
        var second = await cluster.WaitForLeaderAsync(Settle, leader => leader != first.Leader);
        output.WriteLine($"SIGSTOP of {first.Leader.Name} → {second.Leader.Name} leads (term {second.Term.Generation})");
        // Work for the new leader while the old one is frozen: it holds in-flight state about this service.
        await cluster.Services.UpdateOneAsync(new BsonDocument("_id", $"{cluster.Tenant}/web"), new BsonDocument("$set", new BsonDocument("spec.replicas", 3)));
        await WaitConvergedAsync(cluster, new Dictionary<string, int> { ["web"] = 3 }, Settle);

        var resumedAt = DateTimeOffset.UtcNow;
        first.Leader.Resume();
        await WaitUntilAsync(cluster, () => Task.FromResult(first.Leader.CurrentTerm is null), Settle,
            $"{first.Leader.Name} to notice, after SIGCONT, that it lost the lease (a Leadership lost line, or exiting)");
        // More work after the old leader woke, so a stale queue in it would have something to act on.
        await cluster.Services.UpdateOneAsync(new BsonDocument("_id", $"{cluster.Tenant}/web"), new BsonDocument("$set", new BsonDocument("spec.replicas", 4)));
        await WaitConvergedAsync(cluster, new Dictionary<string, int> { ["web"] = 4 }, Settle);

        var staleActions = cluster.DockerActions.Where(a => a.Instance == first.Leader.Name && a.At >= resumedAt).ToList();
        // Its own record in `operators` (state standby) is the one write a woken standby makes; nothing else may change.
        var staleWrites = cluster.StoreWrites.Where(w => w.Instance == first.Leader.Name && w.At >= resumedAt && w.Affected != 0 && w.Collection != HaCluster.OperatorsCollection).ToList();
        output.WriteLine($"after SIGCONT {first.Leader.Name} sent {cluster.StoreWrites.Count(w => w.Instance == first.Leader.Name && w.At >= resumedAt)} write commands, {staleWrites.Count} of them changed something or got no reply");
        Assert.True(staleActions.Count == 0, $"the old leader acted on Docker after SIGCONT:\n{string.Join('\n', staleActions)}");
        Assert.True(staleWrites.Count == 0, $"the old leader changed the store after SIGCONT:\n{string.Join('\n', staleWrites)}");
        var containers = await cluster.ContainersAsync();
        AssertNoDuplicateSlots(containers);
        Assert.Equal(4, containers.Count);
        AssertNoOverlappingTerms(cluster, output);
    }

    [Fact]
    public async Task A_terminated_leader_hands_over_at_once_without_waiting_for_its_lease_to_expire()
    {
        // A long lease: a standby that waited for expiry would lead 15 s after the last renewal, not at once.
        var lease = TimeSpan.FromSeconds(15);
        await using var cluster = await HaCluster.StartAsync(ZpmDll, NewRunId(), instances: 2,
            ["--lease-duration", "15s", "--renew-deadline", "10s", "--retry-period", "2s"]);
        var first = await cluster.WaitForLeaderAsync(Settle);
        var leaseBefore = (await cluster.LeasesAsync()).Single();

        var terminatedAt = DateTimeOffset.UtcNow;
        first.Leader.Terminate();
        var second = await cluster.WaitForLeaderAsync(lease, leader => leader != first.Leader);
        var handover = second.Term.At - terminatedAt;
        var elected = second.Leader.Lines.Last(l => l.Kind == LeadershipLogKind.Elected && l.Generation == second.Term.Generation).At - terminatedAt;
        output.WriteLine($"SIGTERM of {first.Leader.Name} → {second.Leader.Name} takes the lease after {elected.TotalMilliseconds:0} ms and leads (its loops start) after {handover.TotalMilliseconds:0} ms (the issue's goal: < 2000 ms); " +
            $"the old lease would have expired at {leaseBefore.ExpiresAt:HH:mm:ss.fff}, {(leaseBefore.ExpiresAt - second.Term.At.UtcDateTime)?.TotalSeconds:0.0} s later");

        Assert.NotNull(leaseBefore.ExpiresAt);
        Assert.True(second.Term.At.UtcDateTime < leaseBefore.ExpiresAt!.Value - TimeSpan.FromSeconds(5),
            $"the standby led at {second.Term.At:HH:mm:ss.fff}, not long before the released lease would have expired ({leaseBefore.ExpiresAt:HH:mm:ss.fff})\n{await cluster.DescribeAsync()}");
        Assert.True(await first.Leader.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"{first.Leader.Name} did not exit after SIGTERM\n{first.Leader.Tail()}");
        AssertNoOverlappingTerms(cluster, output);
    }

    [Fact]
    public async Task After_a_store_restart_both_instances_reconnect_and_one_leads()
    {
        await using var cluster = await HaCluster.StartAsync(ZpmDll, NewRunId(), instances: 2, ShortLease);
        await cluster.WaitForLeaderAsync(Settle);
        await cluster.Services.InsertOneAsync(cluster.Service("before", 1));
        await WaitConvergedAsync(cluster, new Dictionary<string, int> { ["before"] = 1 }, Settle);

        await cluster.RestartStoreAsync();
        var restartedAt = DateTime.UtcNow;
        // A lease written through the restarted store, not the term from before the restart still looking current.
        await WaitUntilAsync(cluster, async () => (await cluster.LeasesAsync()).SingleOrDefault()?.RenewedAt > restartedAt, Settle,
            "the lease renewed or taken through the restarted store");
        var leader = await cluster.WaitForLeaderAsync(Settle);
        output.WriteLine($"after the store restart {leader.Leader.Name} leads (term {leader.Term.Generation})");
        await cluster.Services.InsertOneAsync(cluster.Service("after", 2));
        await WaitConvergedAsync(cluster, new Dictionary<string, int> { ["before"] = 1, ["after"] = 2 }, Settle);

        Assert.All(cluster.Instances, instance => Assert.False(instance.HasExited, $"{instance.Name} exited after the store restart\n{instance.Tail()}"));

        // The standby reconnected too: with the leader gone it takes over.
        await leader.Leader.KillAsync();
        var standby = await cluster.WaitForLeaderAsync(Settle, other => other != leader.Leader);
        output.WriteLine($"then kill -9 of {leader.Leader.Name} → {standby.Leader.Name} leads (term {standby.Term.Generation})");
        AssertNoDuplicateSlots(await cluster.ContainersAsync());
        AssertNoOverlappingTerms(cluster, output);
    }
}
