using Docker.DotNet.Models;
using Microsoft.Extensions.Logging.Abstractions;
using ZonaProcessManager.Docker.Swarm;
using ZonaProcessManager.Domain.Hashing;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Domain.Planning.Swarm;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Swarm;
using ServiceSpec = ZonaProcessManager.Domain.Model.ServiceSpec;

namespace ZonaProcessManager.Docker.Tests.Swarm;

/// <summary>
/// The Swarm runtime against the real three-node lab (scripts/swarm-lab.sh): services made from specs run over the
/// nodes, scale, roll, roll back by themselves, and report their tasks. Each test is its own run on the lab: its tenants,
/// services and networks carry the run id and are removed when it ends, also when it fails.
/// </summary>
[Collection(SwarmLabCollection.Name)]
public sealed class SwarmWorkloadRuntimeTests(SwarmLabFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);
    private SwarmTestRun _run = null!;
    private SwarmWorkloadRuntime _runtime = null!;

    public Task InitializeAsync()
    {
        _run = new SwarmTestRun(fixture.Lab);
        _runtime = NewRuntime(new SwarmRuntimeOptions { StopGracePeriod = TimeSpan.FromSeconds(1), TaskPollInterval = TimeSpan.FromSeconds(1) });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _runtime.Dispose();
        await _run.DisposeAsync();
    }

    private SwarmWorkloadRuntime NewRuntime(SwarmRuntimeOptions options) =>
        SwarmWorkloadRuntime.Create(options, NullLogger<SwarmWorkloadRuntime>.Instance, fixture.Lab.ManagerEndpoint, TimeProvider.System);

    private ServiceSpec NewService(int replicas = 3, string? tenant = null, Func<ServiceSpecBody, ServiceSpecBody>? change = null)
    {
        // Swarm replaces a task whose check fails, and these tests assert which tasks survive. The check is a `wget` exec
        // in the task, which can take seconds while the other test projects load the same two cores: a generous timeout
        // and three retries keep a healthy task healthy. The unhealthy image's check is refused at once, so its tasks
        // still fail within seconds.
        var body = new ServiceSpecBody
        {
            Image = DockerTestEnvironment.BusyboxImage,
            Replicas = replicas,
            HealthCheck = new HealthCheckSpec { Http = new HttpProbe(DockerTestEnvironment.BusyboxHttpPort, "/"), IntervalSeconds = 1, TimeoutSeconds = 5, Retries = 3 },
            Update = new UpdateStrategy { Order = UpdateOrder.StartFirst, Parallelism = 1, MonitorSeconds = 3 },
        };
        return new ServiceSpec
        {
            Metadata = new ResourceMetadata { Name = "web", Tenant = tenant ?? _run.NewTenant() },
            Spec = change is null ? body : change(body),
        };
    }

    private DesiredWorkload Desired(ServiceSpec service) => new()
    {
        Service = service,
        SpecHash = SpecHasher.Hash(service.Spec),
        OwnerLabels = _run.RunLabels,
    };

    /// <summary>What a reconciler does, over and over: observe, plan, apply; until the plan's outcome is <paramref name="accept"/>ed.</summary>
    private async Task<(ReconcilePlan Plan, ObservedWorkload Observed)> ConvergeAsync(ServiceSpec service, Func<ReconcilePlan, bool> accept, string what)
    {
        var desired = Desired(service);
        return await Poll.UntilAsync(
            async () =>
            {
                var observed = await _runtime.ObserveAsync(service.Key, CancellationToken.None);
                var plan = _runtime.Plan(desired, observed, DateTimeOffset.UtcNow);
                if (plan.HasActions)
                {
                    var applied = await _runtime.ApplyAsync(desired, observed, plan, CancellationToken.None);
                    Assert.Null(applied.Error);
                    observed = applied.Observed;
                }

                return (plan, observed);
            },
            result => accept(result.plan),
            Deadline,
            what,
            TimeSpan.FromMilliseconds(500));
    }

    private Task<(ReconcilePlan Plan, ObservedWorkload Observed)> ConvergeToReadyAsync(ServiceSpec service) =>
        ConvergeAsync(service, plan => plan.Outcome.Kind == OutcomeKind.AllReady, $"{service.Key} to run all its tasks");

    [Fact]
    public async Task A_spec_becomes_a_labelled_service_whose_replicas_run_spread_over_the_nodes()
    {
        var service = NewService(replicas: 3);
        await _runtime.EnsureTenantNetworkAsync(service.Metadata.Tenant, CancellationToken.None);

        var (plan, observed) = await ConvergeToReadyAsync(service);

        Assert.Equal(new ReplicaCounts(3, 3), plan.Replicas);
        Assert.Equal(3, observed.Replicas.Count);
        Assert.All(observed.Replicas, replica => Assert.Equal(("running", "healthy"), (replica.State, replica.Health)));
        Assert.Equal([1, 2, 3], observed.Replicas.Select(r => r.Slot).Order());
        Assert.True(observed.Replicas.Select(r => r.Node).Distinct().Count() >= 2, $"tasks ran on {string.Join(", ", observed.Replicas.Select(r => r.Node))}");
        Assert.All(observed.Replicas, replica => fixture.Lab.NodeById(replica.Node!));
        var swarmService = await _run.Manager.Swarm.InspectServiceAsync(SwarmServiceNames.For(service.Key));
        Assert.Equal("true", swarmService.Spec!.Labels![ZpmLabels.Managed]);
        Assert.Equal(service.Metadata.Tenant, swarmService.Spec!.Labels![ZpmLabels.Tenant]);
        Assert.Equal("web", swarmService.Spec!.Labels![ZpmLabels.Name]);
        Assert.Equal(ServiceSpec.KindName, swarmService.Spec!.Labels![ZpmLabels.Kind]);
        Assert.Equal(_runtime.SpecHashOf(service.Spec), swarmService.Spec!.Labels![ZpmLabels.SpecHash]);
        Assert.Equal(DockerTestEnvironment.BusyboxImage, swarmService.Spec!.TaskTemplate!.ContainerSpec!.Image);
        // Swarm keeps the network's id where the spec named it.
        var tenantNetwork = (await _run.Manager.Networks.ListNetworksAsync(new NetworksListParameters())).Single(n => n.Name == Tenant.NetworkNameFor(service.Metadata.Tenant));
        Assert.Equal(tenantNetwork.ID, Assert.Single(swarmService.Spec!.TaskTemplate!.Networks!).Target);
    }

    [Fact]
    public async Task Scaling_up_and_to_zero_changes_the_tasks_but_never_replaces_a_running_one()
    {
        var service = NewService(replicas: 2);
        var (_, before) = await ConvergeToReadyAsync(service);

        var (_, six) = await ConvergeToReadyAsync(service with { Spec = service.Spec with { Replicas = 6 } });
        var (zeroPlan, zero) = await ConvergeAsync(
            service with { Spec = service.Spec with { Suspended = true } },
            plan => plan.Outcome is { Kind: OutcomeKind.AllReady, Reason: PlanOutcome.Reasons.Suspended },
            "the suspended service to scale to 0");

        Assert.Equal(6, six.Replicas.Count(r => r.State == "running"));
        var replaced = before.Replicas.Select(r => r.Id).Except(six.Replicas.Select(r => r.Id)).ToList();
        if (replaced.Count > 0)
        {
            Assert.Fail($"tasks {string.Join(", ", replaced)} were replaced; the service's tasks: {await TaskHistoryAsync(service)}");
        }

        Assert.Equal(new ReplicaCounts(0, 0), zeroPlan.Replicas);
        Assert.Equal(0, zero.ReportedCounts!.Desired);
    }

    [Fact]
    public async Task A_changed_env_rolls_every_task_to_the_new_spec()
    {
        var service = NewService(replicas: 3);
        var (_, before) = await ConvergeToReadyAsync(service);
        var changed = service with { Spec = service.Spec with { Env = new Dictionary<string, string> { ["MODE"] = "two" } } };

        var (plan, after) = await ConvergeToReadyAsync(changed);

        Assert.Equal(_runtime.SpecHashOf(changed.Spec), after.SpecHash);
        Assert.Equal(new ReplicaCounts(3, 3), plan.Replicas);
        Assert.Empty(after.Replicas.Select(r => r.Id).Intersect(before.Replicas.Select(r => r.Id)));
        var tasks = await ServiceTasksAsync(service);
        Assert.All(tasks.Where(t => t.DesiredState == TaskState.Running), t => Assert.Contains("MODE=two", t.Spec!.ContainerSpec!.Env!));
        var swarmService = await _run.Manager.Swarm.InspectServiceAsync(SwarmServiceNames.For(service.Key));
        Assert.Equal("start-first", swarmService.Spec!.UpdateConfig!.Order);
        Assert.Equal("rollback", swarmService.Spec!.UpdateConfig!.FailureAction);
    }

    [Fact]
    public async Task A_spec_whose_tasks_never_get_healthy_is_rolled_back_by_swarm_and_the_old_tasks_keep_serving()
    {
        var service = NewService(replicas: 2);
        var (_, before) = await ConvergeToReadyAsync(service);
        var broken = service with { Spec = service.Spec with { Image = DockerTestEnvironment.UnhealthyBusyboxImage } };

        var (plan, after) = await ConvergeAsync(
            broken,
            plan => plan.Outcome.Reason == SwarmReasons.RolledBack && plan.Outcome.Message.Contains("rolled back to the previous spec", StringComparison.Ordinal),
            "Swarm to roll the unhealthy spec back");
        var again = _runtime.Plan(Desired(broken), after, DateTimeOffset.UtcNow);

        Assert.Equal(OutcomeKind.Degraded, plan.Outcome.Kind);
        Assert.Equal(_runtime.SpecHashOf(service.Spec), after.SpecHash);
        Assert.Equal(RolloutState.RolledBack, after.Rollout!.State);
        Assert.Equal(_runtime.SpecHashOf(broken.Spec), after.Rollout.RolledBackFromSpecHash);
        Assert.Equal(2, after.ReportedCounts!.Ready);
        var strangers = after.Replicas.Where(r => r.State == "running").Select(r => r.Id).Except(before.Replicas.Select(r => r.Id)).ToList();
        if (strangers.Count > 0)
        {
            Assert.Fail($"tasks {string.Join(", ", strangers)} run in place of the old ones; the service's tasks: {await TaskHistoryAsync(service)}");
        }

        // The failed spec is not pushed again until the document changes.
        Assert.Empty(again.Actions);
    }

    [Fact]
    public async Task A_task_that_cannot_be_placed_or_whose_image_is_missing_shows_swarms_own_reason()
    {
        var unplaceable = NewService(replicas: 1, change: spec => spec with { Placement = new PlacementSpec { Constraints = ["node.labels.zpm-lab-zone==nowhere"] } });
        var imageless = NewService(replicas: 1, change: spec => spec with { Image = "zpm/not-loaded-anywhere:1", HealthCheck = null });

        var (pending, _) = await ConvergeAsync(unplaceable, plan => plan.Outcome.Kind == OutcomeKind.Degraded, "the unplaceable task to be reported");
        var (missing, observed) = await ConvergeAsync(imageless, plan => plan.Outcome.Kind == OutcomeKind.Degraded, "the imageless task to be reported");

        Assert.Equal(SwarmReasons.NoSuitableNode, pending.Outcome.Reason);
        Assert.Contains("no suitable node", pending.Outcome.Message, StringComparison.Ordinal);
        Assert.Equal(SwarmReasons.ImageMissing, missing.Outcome.Reason);
        Assert.Contains("zpm/not-loaded-anywhere:1", missing.Outcome.Message, StringComparison.Ordinal);
        Assert.NotNull(Assert.Single(observed.Replicas).Error);
    }

    [Fact]
    public async Task The_tenant_network_is_an_attachable_overlay_ensured_and_removed_idempotently()
    {
        var tenant = _run.NewTenant();
        var name = Tenant.NetworkNameFor(tenant);

        await _runtime.EnsureTenantNetworkAsync(tenant, CancellationToken.None);
        await NewRuntime(new SwarmRuntimeOptions()).EnsureTenantNetworkAsync(tenant, CancellationToken.None);
        var networks = (await _run.Manager.Networks.ListNetworksAsync(new NetworksListParameters())).Where(n => n.Name == name).ToList();
        await _runtime.RemoveTenantNetworkAsync(tenant, CancellationToken.None);
        await _runtime.RemoveTenantNetworkAsync(tenant, CancellationToken.None);
        var left = (await _run.Manager.Networks.ListNetworksAsync(new NetworksListParameters())).Where(n => n.Name == name).ToList();

        var network = Assert.Single(networks);
        Assert.Equal(("overlay", "swarm", true), (network.Driver, network.Scope, network.Attachable));
        Assert.Equal(tenant, network.Labels[ZpmLabels.Tenant]);
        Assert.Empty(left);
    }

    [Fact]
    public async Task An_encrypted_tenant_network_asks_swarm_to_encrypt_it()
    {
        var tenant = _run.NewTenant();
        using var encrypting = NewRuntime(new SwarmRuntimeOptions { EncryptedTenantNetworks = true });

        await encrypting.EnsureTenantNetworkAsync(tenant, CancellationToken.None);

        var network = await _run.Manager.Networks.InspectNetworkAsync(Tenant.NetworkNameFor(tenant));
        Assert.NotNull(network.Options);
        Assert.True(network.Options.ContainsKey("encrypted"), $"options: {string.Join(", ", network.Options.Keys)}");
    }

    [Fact]
    public async Task Removing_takes_the_service_away_and_removing_again_finds_nothing()
    {
        var service = NewService(replicas: 2);
        await ConvergeToReadyAsync(service);

        var removal = await _runtime.RemoveAsync(service.Key, CancellationToken.None);
        var again = await _runtime.RemoveAsync(service.Key, CancellationToken.None);
        var observed = await _runtime.ObserveAsync(service.Key, CancellationToken.None);

        Assert.Null(removal.Error);
        Assert.Equal(2, removal.Found);
        Assert.Equal(OutcomeKind.Removed, again.Outcome.Kind);
        Assert.Null(observed.ReportedCounts);
        var services = await _run.Manager.Swarm.ListServicesAsync();
        Assert.DoesNotContain(services, s => s.Spec!.Name == SwarmServiceNames.For(service.Key));
    }

    [Fact]
    public async Task Observing_everything_reports_each_owner_once_with_its_tasks()
    {
        var tenant = _run.NewTenant();
        var first = NewService(replicas: 2, tenant: tenant);
        var second = NewService(replicas: 1, tenant: tenant) with { Metadata = new ResourceMetadata { Name = "api", Tenant = tenant } };
        await ConvergeToReadyAsync(first);
        await ConvergeToReadyAsync(second);

        var all = await _runtime.ObserveAllAsync(CancellationToken.None);

        var mine = all.Where(w => w.Owner.Tenant == tenant).ToDictionary(w => w.Owner.Name);
        Assert.Equal(["api", "web"], mine.Keys.Order());
        Assert.Equal((2, 2), (mine["web"].ReportedCounts!.Desired, mine["web"].Replicas.Count));
        Assert.Equal((1, 1), (mine["api"].ReportedCounts!.Desired, mine["api"].Replicas.Count));
        Assert.Equal(all.Count, all.Select(w => w.Owner).Distinct().Count());
    }

    [Fact]
    public async Task Observing_everything_is_one_service_list_and_one_task_list_however_many_services_there_are()
    {
        var tenant = _run.NewTenant();
        await ConvergeToReadyAsync(NewService(replicas: 1, tenant: tenant));
        await using var proxy = CountingDockerProxy.For(fixture.Lab.ManagerEndpoint);
        using var counted = SwarmWorkloadRuntime.Create(new SwarmRuntimeOptions(), NullLogger<SwarmWorkloadRuntime>.Instance, proxy.Endpoint, TimeProvider.System);

        var withOne = await counted.ObserveAllAsync(CancellationToken.None);
        var callsWithOne = proxy.Requests;
        foreach (var name in new[] { "api", "db", "cache" })
        {
            await ConvergeToReadyAsync(NewService(replicas: 2, tenant: tenant) with { Metadata = new ResourceMetadata { Name = name, Tenant = tenant } });
        }

        proxy.Clear();
        var withFour = await counted.ObserveAllAsync(CancellationToken.None);
        var callsWithFour = proxy.Requests;

        Assert.Single(withOne, w => w.Owner.Tenant == tenant);
        Assert.Equal(4, withFour.Count(w => w.Owner.Tenant == tenant));
        Assert.Equal(2, callsWithOne.Count);
        Assert.Equal(callsWithOne.Select(PathOf), callsWithFour.Select(PathOf));
        Assert.Equal(["/services", "/tasks"], callsWithFour.Select(PathOf).Select(p => p[p.LastIndexOf('/')..]));
    }

    /// <summary>Every task Swarm keeps for the service, current and replaced.</summary>
    private Task<IList<TaskResponse>> ServiceTasksAsync(ServiceSpec service) =>
        _run.Manager.Tasks.ListAsync(new TasksListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["service"] = new Dictionary<string, bool> { [SwarmServiceNames.For(service.Key)] = true } },
        });

    /// <summary>Every task the service has had, for a failure message that says why a task went.</summary>
    private async Task<string> TaskHistoryAsync(ServiceSpec service)
    {
        var tasks = await ServiceTasksAsync(service);
        return string.Join("; ", tasks.OrderBy(t => t.Slot).ThenBy(t => t.CreatedAt).Select(t =>
            $"slot {t.Slot} {t.ID} desired {t.DesiredState}, {t.Status?.State} ({t.Status?.Message}{(string.IsNullOrEmpty(t.Status?.Err) ? "" : $", {t.Status.Err}")})"));
    }

    /// <summary>The request's path without its query string.</summary>
    private static string PathOf(string request) => request.Split(' ')[1].Split('?')[0];

    [Fact]
    public async Task A_task_changing_on_another_node_yields_an_event_for_its_owner()
    {
        var service = NewService(replicas: 3);
        var other = NewService(replicas: 1);
        using var stop = new CancellationTokenSource();
        var seen = new List<ContainerEvent>();
        var watching = Task.Run(async () =>
        {
            try
            {
                await foreach (var swarmEvent in _runtime.WatchEventsAsync(stop.Token))
                {
                    lock (seen)
                    {
                        seen.Add(swarmEvent);
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        });

        var (_, observed) = await ConvergeToReadyAsync(service);
        await ConvergeToReadyAsync(other);
        var remote = observed.Replicas.First(r => r.Node != fixture.Lab.Manager.NodeId);

        // Kill the remote task's container on its own node: the manager's event stream never carries that container's events.
        using (var node = SwarmLab.CreateClient(fixture.Lab.NodeById(remote.Node!)))
        {
            var containers = await node.Containers.ListContainersAsync(new ContainersListParameters
            {
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"com.docker.swarm.task.id={remote.Id}"] = true } },
            });
            await node.Containers.KillContainerAsync(Assert.Single(containers).ID, new ContainerKillParameters { Signal = "KILL" });
        }

        var events = await Poll.UntilAsync(
            () =>
            {
                lock (seen)
                {
                    return Task.FromResult(seen.ToList());
                }
            },
            all => all.Any(e => e.ContainerId == remote.Id && e.Action != "task running"),
            Deadline,
            $"an event for the killed task {remote.Id}");
        await stop.CancelAsync();
        await watching;

        Assert.All(events.Where(e => e.ContainerId == remote.Id), e => Assert.Equal(service.Key, e.Owner));
        Assert.Contains(events, e => e.Owner == other.Key);
        Assert.DoesNotContain(events, e => e.Owner != service.Key && e.Owner != other.Key && e.Owner.Tenant.Contains(_run.RunId, StringComparison.Ordinal));
    }
}
