using ZonaProcessManager.Domain.Integrations;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Operator.Tests.Controllers;

public sealed class IntegrationReconcilerTests
{
    private const string Tenant = "acme";
    private readonly ReconcilerHarness _harness = new();

    public IntegrationReconcilerTests()
    {
        _harness.Integrations.PutDefinition(Definition("crowdstrike", 101, "zpm/busybox:latest"));
    }

    internal static IntegrationDefinition Definition(string name, int id, string image) => new()
    {
        Metadata = new ResourceMetadata { Name = name },
        Spec = new IntegrationDefinitionSpec
        {
            IntegrationId = id,
            Image = image,
            Ports = [new IntegrationPort("http", 8080), new IntegrationPort("metrics", 9090)],
            Parameters =
            [
                new IntegrationParameter("api_url", "API_URL", Required: true),
                new IntegrationParameter("api_key", "API_KEY", Required: true, Secret: true),
                new IntegrationParameter("poll_seconds", "POLL_SECONDS", Default: "60"),
            ],
        },
    };

    private static Dictionary<string, string> GoodParameters() => new() { ["api_url"] = "https://cs.example", ["api_key"] = "s3cr3t-value" };

    private Task ReconcileAsync(ResourceKey key) => _harness.IntegrationReconciler.ReconcileAsync(key, CancellationToken.None);

    private StoredService? Child(ResourceKey integration) => _harness.Store.GetAsync(IntegrationKeys.ChildService(integration), CancellationToken.None).Result;

    [Fact]
    public async Task An_enabled_integration_becomes_an_owned_app_service_on_the_tenant_network_with_allocated_ports_and_resolved_env()
    {
        _harness.Integrations.PutTenant(Tenant);
        var key = _harness.Integrations.PutIntegration(Tenant, "crowdstrike", 101, GoodParameters());

        await ReconcileAsync(key);

        var child = Child(key)?.Spec ?? throw new Xunit.Sdk.XunitException("no child service written");
        var stored = _harness.Integrations.Integration(key)!;
        Assert.Equal([new OwnerReference(IntegrationSpec.KindName, "crowdstrike", stored.Uid)], child.Metadata.OwnerReferences);
        Assert.Equal(ServiceCategory.App, child.Spec.Category);
        Assert.Equal(["zpm-tenant-acme"], child.Spec.Networks);
        Assert.Equal("https://cs.example", child.Spec.Env["API_URL"]);
        Assert.Equal("60", child.Spec.Env["POLL_SECONDS"]);
        var allocations = _harness.Integrations.Allocations;
        Assert.Equal(2, allocations.Select(a => a.Port).Distinct().Count());
        Assert.All(allocations, a => Assert.InRange(a.Port, 20000, 20009));
        Assert.Equal(allocations.Select(a => a.Port).Order(), child.Spec.Ports.Select(p => p.Host!.Value).Order());
        var status = _harness.Integrations.IntegrationStatusOf(key)!;
        Assert.Equal("crowdstrike", status.Service);
        Assert.Equal(allocations.Select(a => a.Port).Order(), status.Ports.Select(p => p.Host).Order());
        // The tenant adopts it, so deleting the tenant later takes the integration with it.
        Assert.Contains(stored.OwnerReferences, o => o.Kind == "Tenant" && o.Name == Tenant);
    }

    [Fact]
    public async Task The_child_service_runs_with_the_owner_label_and_the_integration_mirrors_its_Running_phase()
    {
        _harness.Integrations.PutTenant(Tenant);
        var key = _harness.Integrations.PutIntegration(Tenant, "crowdstrike", 101, GoodParameters());
        await ReconcileAsync(key);

        var childKey = IntegrationKeys.ChildService(key);
        await _harness.ConvergeAsync(childKey);
        Assert.Contains(key, _harness.Trigger.Requested);
        await ReconcileAsync(key);

        Assert.Equal(ResourcePhase.Running, _harness.Integrations.IntegrationStatusOf(key)!.Phase);
        var container = Assert.Single(_harness.Runtime.ContainersOf(childKey));
        Assert.Equal($"zpm-{Tenant}-crowdstrike-0", container.Name);
        Assert.Contains(_harness.Runtime.Calls, c => c == "network zpm-tenant-acme");
    }

    [Fact]
    public async Task The_tenant_is_asked_to_recount_when_the_integrations_phase_changes_but_not_for_a_new_message_alone()
    {
        _harness.Integrations.PutTenant(Tenant);
        var key = _harness.Integrations.PutIntegration(Tenant, "crowdstrike", 101, GoodParameters());
        var tenantKey = IntegrationKeys.Tenant(Tenant);
        await ReconcileAsync(key);
        Assert.Contains(tenantKey, _harness.Trigger.Requested);

        var childKey = IntegrationKeys.ChildService(key);
        await _harness.ConvergeAsync(childKey);
        _harness.Trigger.Clear();
        await ReconcileAsync(key);
        Assert.Equal(ResourcePhase.Running, _harness.Integrations.IntegrationStatusOf(key)!.Phase);
        Assert.Contains(tenantKey, _harness.Trigger.Requested);

        // Same phase, new words from the child: the integration shows them, the tenant's counts cannot have changed.
        var running = Child(key)!.Status!;
        await _harness.Store.WriteStatusAsync(childKey, running with { Message = "1/1 replicas ready after a restart" }, CancellationToken.None);
        _harness.Trigger.Clear();
        await ReconcileAsync(key);
        Assert.Equal("1/1 replicas ready after a restart", _harness.Integrations.IntegrationStatusOf(key)!.Message);
        Assert.DoesNotContain(tenantKey, _harness.Trigger.Requested);

        await _harness.Store.WriteStatusAsync(childKey, running with { Phase = ResourcePhase.Degraded, Message = "container exited" }, CancellationToken.None);
        await ReconcileAsync(key);
        Assert.Equal(ResourcePhase.Degraded, _harness.Integrations.IntegrationStatusOf(key)!.Phase);
        Assert.Contains(tenantKey, _harness.Trigger.Requested);
    }

    [Fact]
    public async Task Disabling_an_integration_asks_the_tenant_to_recount_although_both_phases_are_Pending()
    {
        _harness.Integrations.PutTenant(Tenant);
        var key = _harness.Integrations.PutIntegration(Tenant, "crowdstrike", 101, GoodParameters());
        await ReconcileAsync(key);
        Assert.Equal(ResourcePhase.Pending, _harness.Integrations.IntegrationStatusOf(key)!.Phase);

        _harness.Integrations.PutIntegration(Tenant, "crowdstrike", 101, GoodParameters(), enabled: false);
        _harness.Trigger.Clear();
        await ReconcileAsync(key);

        Assert.Equal(ResourcePhase.Pending, _harness.Integrations.IntegrationStatusOf(key)!.Phase);
        Assert.Contains(IntegrationKeys.Tenant(Tenant), _harness.Trigger.Requested);
    }

    [Fact]
    public async Task Ports_are_kept_across_reconciles_spec_edits_and_a_restarted_operator()
    {
        _harness.Integrations.PutTenant(Tenant);
        var key = _harness.Integrations.PutIntegration(Tenant, "crowdstrike", 101, GoodParameters());
        await ReconcileAsync(key);
        var first = _harness.Integrations.Allocations.Select(a => (a.PortName, a.Port)).Order().ToList();

        _harness.Integrations.PutIntegration(Tenant, "crowdstrike", 101, new Dictionary<string, string>(GoodParameters()) { ["poll_seconds"] = "5" }, replicas: 2);
        await ReconcileAsync(key);
        await _harness.NewIntegrationReconciler().ReconcileAsync(key, CancellationToken.None);

        Assert.Equal(first, _harness.Integrations.Allocations.Select(a => (a.PortName, a.Port)).Order().ToList());
        Assert.Equal(2, Child(key)!.Spec!.Spec.Replicas);
        Assert.Equal("5", Child(key)!.Spec!.Spec.Env["POLL_SECONDS"]);
    }

    [Fact]
    public async Task A_missing_required_parameter_is_Degraded_naming_it_with_no_service_and_no_ports()
    {
        _harness.Integrations.PutTenant(Tenant);
        var key = _harness.Integrations.PutIntegration(Tenant, "crowdstrike", 101, new Dictionary<string, string> { ["api_key"] = "x" });

        await ReconcileAsync(key);

        var status = _harness.Integrations.IntegrationStatusOf(key)!;
        Assert.Equal(ResourcePhase.Degraded, status.Phase);
        Assert.Contains("missing required parameter 'api_url'", status.Message);
        Assert.Null(Child(key));
        Assert.Empty(_harness.Integrations.Allocations);
    }

    [Fact]
    public async Task An_unknown_parameter_an_unknown_integration_id_and_a_missing_tenant_each_say_so()
    {
        _harness.Integrations.PutTenant(Tenant);
        var unknownParameter = _harness.Integrations.PutIntegration(Tenant, "a", 101, new Dictionary<string, string>(GoodParameters()) { ["colour"] = "red" });
        var unknownId = _harness.Integrations.PutIntegration(Tenant, "b", 999, GoodParameters());
        var noTenant = _harness.Integrations.PutIntegration("ghost", "c", 101, GoodParameters());

        await ReconcileAsync(unknownParameter);
        await ReconcileAsync(unknownId);
        await ReconcileAsync(noTenant);

        Assert.Contains("unknown parameter 'colour'", _harness.Integrations.IntegrationStatusOf(unknownParameter)!.Message);
        Assert.Contains("unknown integration_id 999", _harness.Integrations.IntegrationStatusOf(unknownId)!.Message);
        Assert.Contains("tenant 'ghost' does not exist", _harness.Integrations.IntegrationStatusOf(noTenant)!.Message);
        Assert.Empty(_harness.Runtime.Containers);
        Assert.Empty(await _harness.Integrations.ListChildServicesAsync(null, CancellationToken.None));
    }

    [Fact]
    public async Task After_its_tenant_document_is_deleted_an_adopted_integration_shows_Removed_and_starts_nothing()
    {
        _harness.Integrations.PutTenant(Tenant);
        var adopted = _harness.Integrations.PutIntegration(Tenant, "adopted", 101, GoodParameters());
        await _harness.TenantReconciler.ReconcileAsync(IntegrationKeys.Tenant(Tenant), CancellationToken.None);
        var late = _harness.Integrations.PutIntegration(Tenant, "late", 101, GoodParameters());
        _harness.Integrations.RemoveTenant(Tenant);

        await ReconcileAsync(adopted);
        await ReconcileAsync(late);

        // The tenant's cascade deletes what it adopted: that is offboarding, not a mistake.
        var removing = _harness.Integrations.IntegrationStatusOf(adopted)!;
        Assert.Equal(ResourcePhase.Removed, removing.Phase);
        Assert.Contains("was deleted", removing.Message);
        // Never adopted, so not the cascade's to delete: it says what is wrong.
        Assert.Equal(ResourcePhase.Degraded, _harness.Integrations.IntegrationStatusOf(late)!.Phase);
        Assert.Contains("tenant 'acme' does not exist", _harness.Integrations.IntegrationStatusOf(late)!.Message);
        Assert.Empty(await _harness.Integrations.ListChildServicesAsync(null, CancellationToken.None));
        Assert.Empty(_harness.Integrations.Allocations);
    }

    [Fact]
    public async Task A_second_integration_with_the_same_id_for_a_tenant_is_refused_and_the_first_runs()
    {
        _harness.Integrations.PutTenant(Tenant);
        var first = _harness.Integrations.PutIntegration(Tenant, "cs-a", 101, GoodParameters());
        var duplicate = _harness.Integrations.PutIntegration(Tenant, "cs-b", 101, GoodParameters());

        await ReconcileAsync(duplicate);
        await ReconcileAsync(first);

        Assert.Contains("already active for tenant 'acme' as 'cs-a'", _harness.Integrations.IntegrationStatusOf(duplicate)!.Message);
        Assert.NotNull(Child(first));
        Assert.Null(Child(duplicate));
    }

    [Fact]
    public async Task Secret_values_never_reach_status_or_events_even_when_docker_quotes_them()
    {
        _harness.Integrations.PutTenant(Tenant);
        _harness.Runtime.CreateErrorByImage["zpm/busybox:latest"] = "invalid env API_KEY=s3cr3t-value";
        var key = _harness.Integrations.PutIntegration(Tenant, "crowdstrike", 101, GoodParameters());
        await ReconcileAsync(key);
        await _harness.ReconcileAsync(IntegrationKeys.ChildService(key));
        await ReconcileAsync(key);

        var status = _harness.Integrations.IntegrationStatusOf(key)!;
        Assert.Equal(ResourcePhase.Degraded, status.Phase);
        Assert.Contains("***", status.Message);
        Assert.DoesNotContain("s3cr3t-value", status.Message);
        Assert.DoesNotContain(_harness.Store.Events, e => e.Message.Contains("s3cr3t-value", StringComparison.Ordinal));
        Assert.DoesNotContain("s3cr3t-value", _harness.Store.StatusOf(IntegrationKeys.ChildService(key))!.Message);
        Assert.Equal(SecretRedactor.FormatSecretEnvAnnotation(["API_KEY"]), Child(key)!.Spec!.Metadata.Annotations[SecretRedactor.SecretEnvAnnotation]);
    }

    [Fact]
    public async Task The_child_service_names_its_integration_as_change_cause_and_keeps_a_users_restart()
    {
        _harness.Integrations.PutTenant(Tenant);
        var key = _harness.Integrations.PutIntegration(Tenant, "crowdstrike", 101, GoodParameters());
        await ReconcileAsync(key);
        var written = Child(key)!.Spec!;
        // `zpm rollout restart` on the integration's service.
        _harness.Store.Put(written with
        {
            Metadata = written.Metadata with
            {
                Annotations = new Dictionary<string, string>(written.Metadata.Annotations) { [RolloutRestart.Annotation] = "2026-12-06T23:40:00.0000000Z" },
            },
        });
        var writesBefore = _harness.Integrations.ChildWriteCalls;

        await ReconcileAsync(key);

        var child = Child(key)!.Spec!;
        Assert.Equal("integration/acme/crowdstrike", child.Metadata.Annotations[ChangeCause.Annotation]);
        Assert.Equal("2026-12-06T23:40:00.0000000Z", RolloutRestart.Of(child.Metadata));
        Assert.Equal(writesBefore, _harness.Integrations.ChildWriteCalls);
    }

    [Fact]
    public async Task A_host_port_held_by_something_else_is_skipped_with_an_event()
    {
        _harness.Integrations.PutTenant(Tenant);
        for (var port = 20000; port <= 20007; port++)
        {
            _harness.HostPorts.Taken[port] = true;
        }

        var key = _harness.Integrations.PutIntegration(Tenant, "crowdstrike", 101, GoodParameters());
        await ReconcileAsync(key);

        Assert.Equal([20008, 20009], _harness.Integrations.Allocations.Select(a => a.Port).Order());
        Assert.Contains(_harness.Store.Events, e => e.Reason == "HostPortTaken" && e.Resource == key);
    }

    [Fact]
    public async Task An_exhausted_range_gives_a_clear_Degraded_status_and_a_later_look_not_a_crash()
    {
        _harness.Integrations.PutTenant(Tenant);
        for (var port = 20000; port <= 20009; port++)
        {
            _harness.Integrations.AddAllocation(new PortAllocation("other", "x" + port, "http", port));
        }

        var key = _harness.Integrations.PutIntegration(Tenant, "crowdstrike", 101, GoodParameters());
        var result = await _harness.IntegrationReconciler.ReconcileAsync(key, CancellationToken.None);

        Assert.True(result.IsSuccess);
        Assert.NotNull(result.RequeueAfter);
        var status = _harness.Integrations.IntegrationStatusOf(key)!;
        Assert.Equal(ResourcePhase.Degraded, status.Phase);
        Assert.Contains("No free host port left in 20000-20009", status.Message);
        Assert.Null(Child(key));
    }

    [Fact]
    public async Task Mirroring_the_childs_status_does_not_write_the_child_again_but_a_hand_edit_still_is_put_back()
    {
        _harness.Integrations.PutTenant(Tenant);
        var key = _harness.Integrations.PutIntegration(Tenant, "crowdstrike", 101, GoodParameters());
        await ReconcileAsync(key);
        Assert.Equal(1, _harness.Integrations.ChildWriteCalls);

        await _harness.ConvergeAsync(IntegrationKeys.ChildService(key));
        await ReconcileAsync(key);
        Assert.Equal(ResourcePhase.Running, _harness.Integrations.IntegrationStatusOf(key)!.Phase);
        Assert.Equal(1, _harness.Integrations.ChildWriteCalls);

        var child = Child(key)!.Spec!;
        _harness.Store.Put(child with { Metadata = child.Metadata with { Labels = new Dictionary<string, string>(child.Metadata.Labels) { ["team"] = "hand-edit" } } });
        await ReconcileAsync(key);
        Assert.Equal(2, _harness.Integrations.ChildWriteCalls);
        Assert.DoesNotContain("team", Child(key)!.Spec!.Metadata.Labels.Keys);
    }

    [Fact]
    public async Task A_hand_edit_of_the_child_spec_is_put_back()
    {
        _harness.Integrations.PutTenant(Tenant);
        var key = _harness.Integrations.PutIntegration(Tenant, "crowdstrike", 101, GoodParameters());
        await ReconcileAsync(key);
        var child = Child(key)!.Spec!;
        _harness.Store.Put(child with { Spec = child.Spec with { Image = "evil:latest", Replicas = 7 } });

        await ReconcileAsync(key);

        Assert.Equal("zpm/busybox:latest", Child(key)!.Spec!.Spec.Image);
        Assert.Equal(1, Child(key)!.Spec!.Spec.Replicas);
    }

    [Fact]
    public async Task A_catalog_image_change_asks_every_integration_to_look_again_and_their_services_get_the_new_image()
    {
        _harness.Integrations.PutTenant(Tenant);
        _harness.Integrations.PutTenant("globex");
        var a = _harness.Integrations.PutIntegration(Tenant, "crowdstrike", 101, GoodParameters());
        var b = _harness.Integrations.PutIntegration("globex", "crowdstrike", 101, GoodParameters());
        await ReconcileAsync(a);
        await ReconcileAsync(b);
        _harness.Trigger.Clear();

        _harness.Integrations.PutDefinition(Definition("crowdstrike", 101, "zpm/busybox:v2"));
        await _harness.CatalogReconciler.ReconcileAsync(IntegrationKeys.Definition("crowdstrike"), CancellationToken.None);
        foreach (var key in _harness.Trigger.Requested.Distinct().ToList())
        {
            await ReconcileAsync(key);
        }

        Assert.Equal("zpm/busybox:v2", Child(a)!.Spec!.Spec.Image);
        Assert.Equal("zpm/busybox:v2", Child(b)!.Spec!.Spec.Image);
    }

    [Fact]
    public async Task A_deleted_integration_removes_its_service_first_and_releases_its_ports_only_when_no_container_is_left()
    {
        _harness.Integrations.PutTenant(Tenant);
        var key = _harness.Integrations.PutIntegration(Tenant, "crowdstrike", 101, GoodParameters());
        await ReconcileAsync(key);
        var childKey = IntegrationKeys.ChildService(key);
        await _harness.ConvergeAsync(childKey);
        await _harness.Integrations.DeleteIntegrationAsync(key, CancellationToken.None);

        var first = await _harness.IntegrationReconciler.ReconcileAsync(key, CancellationToken.None);
        Assert.NotNull(first.RequeueAfter);
        Assert.True(Child(key)!.DeletionRequested);
        Assert.Equal(2, _harness.Integrations.Allocations.Count);

        await _harness.ReconcileAsync(childKey);
        Assert.Empty(_harness.Runtime.ContainersOf(childKey));
        var second = await _harness.IntegrationReconciler.ReconcileAsync(key, CancellationToken.None);

        Assert.Null(second.RequeueAfter);
        Assert.Null(Child(key));
        Assert.Empty(_harness.Integrations.Allocations);
    }

    [Fact]
    public async Task A_disabled_integration_removes_its_service_but_keeps_its_ports_for_when_it_is_enabled_again()
    {
        _harness.Integrations.PutTenant(Tenant);
        var key = _harness.Integrations.PutIntegration(Tenant, "crowdstrike", 101, GoodParameters());
        await ReconcileAsync(key);
        var ports = _harness.Integrations.Allocations.Select(a => a.Port).Order().ToList();

        _harness.Integrations.PutIntegration(Tenant, "crowdstrike", 101, GoodParameters(), enabled: false);
        await ReconcileAsync(key);
        Assert.True(Child(key)!.DeletionRequested);
        await _harness.ReconcileAsync(IntegrationKeys.ChildService(key));
        Assert.Null(Child(key));

        _harness.Integrations.PutIntegration(Tenant, "crowdstrike", 101, GoodParameters(), enabled: true);
        await ReconcileAsync(key);
        Assert.Equal(ports, Child(key)!.Spec!.Spec.Ports.Select(p => p.Host!.Value).Order());
    }

    [Fact]
    public async Task A_users_own_service_with_the_integrations_name_is_never_taken_over()
    {
        _harness.Integrations.PutTenant(Tenant);
        var own = _harness.Store.Put(ReconcilerHarness.Service("crowdstrike", image: "my/own:1", tenant: Tenant));
        var key = _harness.Integrations.PutIntegration(Tenant, "crowdstrike", 101, GoodParameters());

        await ReconcileAsync(key);

        Assert.Equal("my/own:1", (await _harness.Store.GetAsync(own, CancellationToken.None))!.Spec!.Spec.Image);
        var status = _harness.Integrations.IntegrationStatusOf(key)!;
        Assert.Equal(ResourcePhase.Degraded, status.Phase);
        Assert.Contains("already exists and is not owned by this integration", status.Message);
        Assert.Empty(_harness.Integrations.Allocations);

        await _harness.ConvergeAsync(own);
        await _harness.Integrations.DeleteIntegrationAsync(key, CancellationToken.None);
        var removed = await _harness.IntegrationReconciler.ReconcileAsync(key, CancellationToken.None);
        Assert.Null(removed.RequeueAfter);
        Assert.False((await _harness.Store.GetAsync(own, CancellationToken.None))!.DeletionRequested);
        Assert.Single(_harness.Runtime.ContainersOf(own));
    }
}
