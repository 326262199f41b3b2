using Docker.DotNet.Models;
using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Mongo;
using Xunit.Abstractions;

namespace ZonaProcessManager.Operator.Tests.Integration;

/// <summary>The operator end to end on the real Docker Engine and the Mongo test target (embedded server by default).</summary>
[Collection(OperatorIntegrationCollection.Name)]
public sealed class OperatorIntegrationTests(DockerTestEnvironment docker, MongoTestTarget mongo, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly UpdateDefinitionBuilder<BsonDocument> Update = Builders<BsonDocument>.Update;
    private readonly OperatorUnderTest _operator = new(docker, mongo, output);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _operator.DisposeAsync();

    [Fact]
    public async Task An_inserted_service_becomes_Running_with_healthy_containers_and_a_status_readable_from_mongo()
    {
        await _operator.StartAsync();
        await _operator.InsertAsync(_operator.ServiceDocument("web", replicas: 2));

        var status = await _operator.WaitRunningAsync("web", 2);

        var containers = await _operator.ContainersAsync("web");
        Assert.Equal([$"zpm-{_operator.Tenant}-web-0", $"zpm-{_operator.Tenant}-web-1"], containers.Select(c => c.Name).Order());
        // Health as status reports it: the operator's own probes, which a plain list of the engine does not show.
        Assert.All(status.Containers, c => Assert.Equal("healthy", c.Health));
        Assert.All(containers, c => Assert.Equal(status.ObservedSpecHash, c.SpecHash));
        Assert.Contains(status.Conditions, c => c is { Type: "Ready", Status: true });
        var raw = await _operator.Services.Find(Builders<BsonDocument>.Filter.Eq("_id", $"{_operator.Tenant}/web")).SingleAsync();
        Assert.Equal("Running", raw["status"]["phase"].AsString);
    }

    [Fact]
    public async Task Scaling_one_to_three_to_one_adds_then_removes_replicas_keeping_the_first()
    {
        await _operator.StartAsync();
        await _operator.InsertAsync(_operator.ServiceDocument("web", replicas: 1));
        await _operator.WaitRunningAsync("web", 1);
        var first = (await _operator.ContainersAsync("web")).Single();

        await _operator.UpdateSpecAsync("web", Update.Set("spec.replicas", 3));
        await _operator.WaitRunningAsync("web", 3);
        Assert.Equal(3, (await _operator.ContainersAsync("web")).Count);

        await _operator.UpdateSpecAsync("web", Update.Set("spec.replicas", 1));
        await _operator.WaitRunningAsync("web", 1);
        await _operator.WaitContainersAsync("web", c => c.Count == 1, "one container left");
        Assert.Equal(first.Id, (await _operator.ContainersAsync("web")).Single().Id);
    }

    [Fact]
    public async Task An_env_change_replaces_every_replica_with_the_new_spec()
    {
        await _operator.StartAsync();
        await _operator.InsertAsync(_operator.ServiceDocument("web", replicas: 2, env: new BsonDocument("GREETING", "hello")));
        var before = await _operator.WaitRunningAsync("web", 2);
        var oldIds = (await _operator.ContainersAsync("web")).Select(c => c.Id).ToHashSet();

        await _operator.UpdateSpecAsync("web", Update.Set("spec.env.GREETING", "bonjour"));
        var after = await _operator.WaitForAsync("web",
            s => s.Phase == ResourcePhase.Running && s.ObservedSpecHash != before.ObservedSpecHash && s.Replicas.Ready == 2 && s.Containers.Count == 2,
            "Running on the new spec");

        var containers = await _operator.ContainersAsync("web");
        Assert.Equal(2, containers.Count);
        Assert.All(containers, c => Assert.Equal(after.ObservedSpecHash, c.SpecHash));
        Assert.Empty(containers.Select(c => c.Id).Intersect(oldIds));
    }

    [Fact]
    public async Task A_new_image_that_never_gets_healthy_stops_the_rollout_and_keeps_the_old_replicas_with_failure_action_pause()
    {
        await _operator.StartAsync();
        var document = _operator.ServiceDocument("web", replicas: 2);
        document["spec"]["update"] = new BsonDocument("failureAction", "pause");
        await _operator.InsertAsync(document);
        await _operator.WaitRunningAsync("web", 2);
        var oldIds = (await _operator.ContainersAsync("web")).Select(c => c.Id).ToHashSet();

        await _operator.UpdateSpecAsync("web", Update.Set("spec.image", DockerTestEnvironment.UnhealthyBusyboxImage));
        var status = await _operator.WaitForAsync("web", s => s.Phase == ResourcePhase.Degraded && s.Conditions.Any(c => c.Reason == PlanOutcome.Reasons.RolloutStalled),
            "Degraded because the rollout stalled");

        Assert.Contains("Rollout stopped", status.Message);
        var containers = await _operator.ContainersAsync("web");
        Assert.Subset(containers.Select(c => c.Id).ToHashSet(), oldIds);
        Assert.All(containers.Where(c => oldIds.Contains(c.Id)), c => Assert.Equal(ContainerState.Running, c.State));
    }

    [Fact]
    public async Task A_container_removed_by_hand_is_recreated()
    {
        await _operator.StartAsync();
        await _operator.InsertAsync(_operator.ServiceDocument("web", replicas: 2));
        await _operator.WaitRunningAsync("web", 2);
        var victim = (await _operator.ContainersAsync("web")).OrderBy(c => c.Replica).Last();

        await docker.Client.Containers.RemoveContainerAsync(victim.Id, new ContainerRemoveParameters { Force = true });

        try
        {
            await _operator.WaitContainersAsync("web", c => c.Count == 2 && c.All(x => x.Id != victim.Id), "the removed replica recreated");
        }
        finally
        {
            output.WriteLine(string.Join("; ", (await _operator.ContainersAsync("web")).Select(c => $"{c.Name} {c.State} {c.Health}")));
            output.WriteLine((await _operator.StatusAsync("web"))?.ToString());
        }

        await _operator.WaitRunningAsync("web", 2);
    }

    [Fact]
    public async Task A_killed_container_makes_the_service_Degraded_then_it_is_healed()
    {
        await _operator.StartAsync();
        await _operator.InsertAsync(_operator.ServiceDocument("web"));
        await _operator.WaitRunningAsync("web", 1);
        var victim = (await _operator.ContainersAsync("web")).Single();

        await docker.Client.Containers.KillContainerAsync(victim.Id, new ContainerKillParameters { Signal = "KILL" });

        await Eventually.TrueAsync(
            async () => (await _operator.Store.ListEventsAsync(_operator.Key("web"), 50, CancellationToken.None)).Any(e => e.Type == EventType.Warning && e.Reason == PlanOutcome.Reasons.ReplicaExited),
            OperatorUnderTest.Deadline, "a Degraded (ReplicaExited) event");
        await _operator.WaitRunningAsync("web", 1);
        var healed = (await _operator.ContainersAsync("web")).Single();
        Assert.Equal(ContainerState.Running, healed.State);
        Assert.True(healed.StartedAt > victim.StartedAt);
    }

    [Fact]
    public async Task Deleting_the_document_with_deleteOne_removes_its_containers()
    {
        await _operator.StartAsync();
        await _operator.InsertAsync(_operator.ServiceDocument("web", replicas: 2));
        await _operator.WaitRunningAsync("web", 2);

        await _operator.Services.DeleteOneAsync(Builders<BsonDocument>.Filter.Eq("_id", $"{_operator.Tenant}/web"));

        await _operator.WaitContainersAsync("web", c => c.Count == 0, "all containers removed");
    }

    [Fact]
    public async Task Deletion_requested_tears_down_then_removes_the_document()
    {
        await _operator.StartAsync();
        await _operator.InsertAsync(_operator.ServiceDocument("web", replicas: 2));
        await _operator.WaitRunningAsync("web", 2);

        Assert.True(await _operator.Store.RequestDeletionAsync(_operator.Key("web"), CancellationToken.None));

        await Eventually.TrueAsync(async () => await _operator.Store.GetAsync(_operator.Key("web"), CancellationToken.None) is null,
            OperatorUnderTest.Deadline, "document removed by the operator");
        Assert.Empty(await _operator.ContainersAsync("web"));
        var events = await _operator.Store.ListEventsAsync(_operator.Key("web"), 50, CancellationToken.None);
        Assert.Contains(events, e => e.Reason == PlanOutcome.Reasons.RemovalFinished);
    }

    [Fact]
    public async Task A_restarted_operator_adopts_running_containers_without_restarting_them()
    {
        await _operator.StartAsync();
        await _operator.InsertAsync(_operator.ServiceDocument("web", replicas: 2));
        await _operator.WaitRunningAsync("web", 2);
        var before = (await _operator.ContainersAsync("web")).OrderBy(c => c.Id, StringComparer.Ordinal).ToList();
        var statusBefore = await _operator.StatusAsync("web");

        await _operator.StopAsync();
        await _operator.StartAsync();
        var startup = await _operator.WaitStartupResyncDoneAsync();

        var after = (await _operator.ContainersAsync("web")).OrderBy(c => c.Id, StringComparer.Ordinal).ToList();
        Assert.Equal(before.Select(c => (c.Id, c.StartedAt, c.RestartCount)), after.Select(c => (c.Id, c.StartedAt, c.RestartCount)));
        Assert.Equal(statusBefore!.UpdatedAt, (await _operator.StatusAsync("web"))!.UpdatedAt); // not even a status write
        Assert.True(startup.Settled >= 1, $"the start-up resync saw web settled from one list ({startup})");
    }

    [Fact]
    public async Task After_downtime_the_operator_catches_up_with_specs_changed_and_deleted_meanwhile()
    {
        await _operator.StartAsync();
        await _operator.InsertAsync(_operator.ServiceDocument("scaled"));
        await _operator.InsertAsync(_operator.ServiceDocument("deleted"));
        await _operator.WaitRunningAsync("scaled", 1);
        await _operator.WaitRunningAsync("deleted", 1);
        await _operator.StopAsync();

        await _operator.UpdateSpecAsync("scaled", Update.Set("spec.replicas", 2));
        await _operator.Services.DeleteOneAsync(Builders<BsonDocument>.Filter.Eq("_id", $"{_operator.Tenant}/deleted"));
        await _operator.InsertAsync(_operator.ServiceDocument("added"));
        await _operator.StartAsync();

        await _operator.WaitRunningAsync("scaled", 2);
        await _operator.WaitRunningAsync("added", 1);
        await _operator.WaitContainersAsync("deleted", c => c.Count == 0, "containers of the document deleted during downtime removed");
    }

    [Fact]
    public async Task An_invalid_document_gets_a_clear_status_while_a_valid_one_runs()
    {
        await _operator.StartAsync();
        var invalid = _operator.ServiceDocument("broken");
        invalid["spec"]["replicas"] = "many";
        await _operator.InsertAsync(invalid);
        await _operator.InsertAsync(_operator.ServiceDocument("good"));

        var status = await _operator.WaitForAsync("broken", s => s.Phase == ResourcePhase.Degraded, "Degraded");
        await _operator.WaitRunningAsync("good", 1);

        Assert.Contains("replicas", status.Message);
        Assert.Contains(status.Conditions, c => c is { Type: "Ready", Status: false, Reason: PlanOutcome.Reasons.InvalidSpec });
        Assert.Empty(await _operator.ContainersAsync("broken"));
    }
}
