using Docker.DotNet.Models;
using ZonaProcessManager.Docker.Swarm;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ServiceSpec = ZonaProcessManager.Domain.Model.ServiceSpec;
using SwarmServiceSpec = Docker.DotNet.Models.ServiceSpec;
using SwarmTaskStatus = Docker.DotNet.Models.TaskStatus;

namespace ZonaProcessManager.Docker.Tests.Swarm;

/// <summary>One service list and one task list → one observed workload per owner (pure mapping, no engine).</summary>
public sealed class SwarmWorkloadMapperTests
{
    private static readonly DateTime Start = new(2026, 12, 6, 12, 0, 0, DateTimeKind.Utc);

    private static SwarmService Service(string id, string tenant, string name, string hash, ulong replicas, UpdateStatus? update = null) => new()
    {
        ID = id,
        UpdatedAt = Start,
        UpdateStatus = update,
        Spec = new SwarmServiceSpec
        {
            Name = $"zpm-{tenant}-{name}",
            Labels = new Dictionary<string, string>
            {
                [ZpmLabels.Managed] = "true",
                [ZpmLabels.Kind] = ServiceSpec.KindName,
                [ZpmLabels.Tenant] = tenant,
                [ZpmLabels.Name] = name,
                [ZpmLabels.SpecHash] = hash,
            },
            Mode = new ServiceMode { Replicated = new ReplicatedService { Replicas = replicas } },
        },
    };

    private static TaskResponse Task(
        string id, string serviceId, long slot, TaskState state, TaskState desired, string hash, int minute, string? error = null, string node = "node-a") => new()
        {
            ID = id,
            ServiceID = serviceId,
            Slot = slot,
            NodeID = node,
            CreatedAt = Start.AddMinutes(minute),
            DesiredState = desired,
            Status = new SwarmTaskStatus { State = state, Err = error! },
            Spec = new TaskSpec
            {
                ContainerSpec = new ContainerSpec
                {
                    Labels = new Dictionary<string, string> { [ZpmLabels.SpecHash] = hash },
                    Healthcheck = new HealthcheckConfig { Test = ["CMD-SHELL", "true"] },
                },
            },
        };

    [Fact]
    public void Each_owner_gets_its_current_tasks_and_only_tasks_of_the_current_spec_count_as_ready()
    {
        var services = new[] { Service("s1", "acme", "web", "new", 2), Service("s2", "acme", "api", "h", 1) };
        var tasks = new[]
        {
            Task("t-old", "s1", 1, TaskState.Shutdown, TaskState.Shutdown, "old", 0),
            Task("t1", "s1", 1, TaskState.Running, TaskState.Running, "new", 1, node: "node-b"),
            Task("t2", "s1", 2, TaskState.Running, TaskState.Running, "old", 0),
            Task("t3", "s2", 1, TaskState.Starting, TaskState.Running, "h", 1),
            Task("foreign", "not-zpm", 1, TaskState.Running, TaskState.Running, "x", 1),
        };

        var workloads = SwarmWorkloadMapper.Map(services, tasks).ToDictionary(w => w.Owner.Name);

        var web = workloads["web"];
        Assert.Equal(["t1", "t2"], web.Replicas.Select(r => r.Id));
        Assert.Equal(new ReplicaCounts(2, 1), web.ReportedCounts);
        Assert.Equal("new", web.SpecHash);
        Assert.Equal(("zpm-acme-web.1", "node-b", "running", "healthy"), (web.Replicas[0].Name, web.Replicas[0].Node, web.Replicas[0].State, web.Replicas[0].Health));
        Assert.Equal(("starting", "starting"), (workloads["api"].Replicas[0].State, workloads["api"].Replicas[0].Health));
        Assert.Equal(2, workloads.Count);
    }

    [Fact]
    public void A_replacement_task_waiting_to_restart_shows_why_its_predecessor_failed()
    {
        var services = new[] { Service("s1", "acme", "web", "h", 1) };
        var tasks = new[]
        {
            Task("t1", "s1", 1, TaskState.Rejected, TaskState.Shutdown, "h", 0, error: "No such image: zpm/missing:1"),
            Task("t2", "s1", 1, TaskState.Ready, TaskState.Ready, "h", 1),
        };

        var replica = Assert.Single(Assert.Single(SwarmWorkloadMapper.Map(services, tasks)).Replicas);

        Assert.Equal(("t2", "ready", "No such image: zpm/missing:1"), (replica.Id, replica.State, replica.Error));
    }

    [Fact]
    public void After_an_automatic_rollback_the_failed_spec_is_known_from_its_tasks()
    {
        var services = new[] { Service("s1", "acme", "web", "old", 1, new UpdateStatus { State = "rollback_completed", Message = "rollback completed" }) };
        var tasks = new[]
        {
            Task("t1", "s1", 1, TaskState.Running, TaskState.Running, "old", 0),
            Task("t2", "s1", 1, TaskState.Failed, TaskState.Shutdown, "broken", 1, error: "task: non-zero exit (1)"),
        };

        var rollout = Assert.Single(SwarmWorkloadMapper.Map(services, tasks)).Rollout!;

        Assert.Equal((RolloutState.RolledBack, "rollback completed", "broken"), (rollout.State, rollout.Message, rollout.RolledBackFromSpecHash));
        Assert.Equal(new DateTimeOffset(Start), rollout.ChangedAt);
    }

    [Fact]
    public void Services_without_zpm_labels_are_not_workloads()
    {
        var foreign = new SwarmService { ID = "x", Spec = new SwarmServiceSpec { Name = "someone-else", Labels = new Dictionary<string, string>() } };

        Assert.Empty(SwarmWorkloadMapper.Map([foreign], []));
    }
}
