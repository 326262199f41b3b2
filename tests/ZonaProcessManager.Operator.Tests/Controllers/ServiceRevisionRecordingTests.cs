using ZonaProcessManager.Domain.Model;
using static ZonaProcessManager.Operator.Tests.Controllers.ReconcilerHarness;

namespace ZonaProcessManager.Operator.Tests.Controllers;

public sealed class ServiceRevisionRecordingTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static ServiceSpec WithCause(ServiceSpec service, string cause) => service with
    {
        Metadata = service.Metadata with { Annotations = new Dictionary<string, string> { [ChangeCause.Annotation] = cause } },
    };

    [Fact]
    public async Task Each_spec_the_operator_rolls_out_becomes_a_numbered_revision_with_its_cause()
    {
        var harness = new ReconcilerHarness();
        var key = harness.Store.Put(WithCause(Service("web", image: "zpm/busybox:1.0"), "zpm apply"));
        await harness.Reconciler.ReconcileAsync(key, None);

        harness.Store.Put(WithCause(Service("web", image: "zpm/busybox:1.1"), "release/r1"));
        await harness.Reconciler.ReconcileAsync(key, None);

        var history = await harness.RevisionStore.ListAsync(key, None);
        Assert.Equal([(1L, "zpm/busybox:1.0", "zpm apply"), (2L, "zpm/busybox:1.1", "release/r1")],
            history.Select(r => (r.Number, r.Spec.Image, r.ChangeCause)));
    }

    [Fact]
    public async Task A_change_outside_the_spec_hash_or_a_repeated_reconcile_records_no_new_revision()
    {
        var harness = new ReconcilerHarness();
        var key = harness.Store.Put(Service("web", replicas: 1));
        await harness.Reconciler.ReconcileAsync(key, None);
        harness.Store.Put(Service("web", replicas: 3));
        await harness.Reconciler.ReconcileAsync(key, None);
        await harness.Reconciler.ReconcileAsync(key, None);

        var only = Assert.Single(await harness.RevisionStore.ListAsync(key, None));
        Assert.Equal(ChangeCause.Unknown, only.ChangeCause);
    }

    [Fact]
    public async Task An_invalid_spec_is_never_a_revision()
    {
        var harness = new ReconcilerHarness();
        var key = harness.Store.Put(Service("web", replicas: -1));

        await harness.Reconciler.ReconcileAsync(key, None);

        Assert.Empty(await harness.RevisionStore.ListAsync(key, None));
    }

    [Fact]
    public async Task A_deleted_service_leaves_no_history_behind()
    {
        var harness = new ReconcilerHarness();
        var key = harness.Store.Put(Service("web"));
        await harness.Reconciler.ReconcileAsync(key, None);
        harness.Store.Remove(key);

        await harness.Reconciler.ReconcileAsync(key, None);

        Assert.Empty(await harness.RevisionStore.ListAsync(key, None));
    }
}
