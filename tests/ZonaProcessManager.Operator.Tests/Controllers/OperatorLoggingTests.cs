using Mediator;
using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Operator.Controllers;
using ZonaProcessManager.Operator.Messages;
using ZonaProcessManager.Operator.Tests.Fakes;
using ZonaProcessManager.Operator.Workloads;
using static ZonaProcessManager.Operator.Tests.Controllers.ReconcilerHarness;
using ZonaProcessManager.Domain.Reconciliation;

namespace ZonaProcessManager.Operator.Tests.Controllers;

public sealed class OperatorLoggingTests
{
    [Fact]
    public async Task Each_docker_action_and_each_transition_is_one_line_carrying_the_resource_key()
    {
        var harness = new ReconcilerHarness();
        var logger = new CapturingLogger<ServiceReconciler>();
        // The Docker steps are logged by the workload runtime; given the reconciler's logger, every line of the reconcile lands in one place.
        var workloads = new SingleHostWorkloadRuntime(harness.Runtime, new ReconcilePlanner(), harness.ExpectedStarts, harness.Time, logger);
        var reconciler = new ServiceReconciler(harness.Store, workloads, harness.Trigger, harness.Time, harness.Health, harness.Publisher, harness.Events, harness.Revisions, logger);
        var key = harness.Store.Put(Service("web", replicas: 2));

        await reconciler.ReconcileAsync(key, CancellationToken.None);
        await reconciler.ReconcileAsync(key, CancellationToken.None);

        var dockerLines = logger.Logs.Where(l => l.Message.Contains(" docker: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, dockerLines.Count); // the tenant's network and two creates, each logged exactly once
        Assert.All(dockerLines, l => Assert.Equal(key, l.Properties["Resource"]));
        Assert.Contains(dockerLines, l => l.Message.Contains("create zpm-system-web-0", StringComparison.Ordinal));

        var transitions = logger.Logs.Where(l => l.Properties.ContainsKey("From")).ToList();
        Assert.Equal([(ResourcePhase.Pending, ResourcePhase.Creating), (ResourcePhase.Creating, ResourcePhase.Running)],
            transitions.Select(l => ((ResourcePhase)l.Properties["From"]!, (ResourcePhase)l.Properties["To"]!)));
        Assert.All(transitions, l => Assert.Equal(key, l.Properties["Resource"]));
    }

    [Fact]
    public async Task The_pipeline_behaviour_logs_a_failed_reconcile_with_its_error_and_timing()
    {
        var logger = new CapturingLogger<ReconcileTimingBehavior>();
        var behavior = new ReconcileTimingBehavior(logger);
        var key = new ResourceKey(ServiceSpec.KindName, "system", "web");
        MessageHandlerDelegate<ReconcileRequest, ReconciliationResult> failing =
            (_, _) => ValueTask.FromResult(ReconciliationResult.Failure("No such image: nope"));

        var result = await behavior.Handle(new ReconcileRequest(key), failing, CancellationToken.None);

        Assert.False(result.IsSuccess);
        var line = Assert.Single(logger.Logs);
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Equal(key, line.Properties["Resource"]);
        Assert.Equal("No such image: nope", line.Properties["Error"]);
        Assert.True(line.Properties.ContainsKey("ElapsedMs"));
    }
}
