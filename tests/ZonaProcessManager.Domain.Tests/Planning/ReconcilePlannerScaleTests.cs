using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using static ZonaProcessManager.Domain.Tests.Planning.PlannerFixtures;

namespace ZonaProcessManager.Domain.Tests.Planning;

/// <summary>
/// Planning must stay cheap whatever a document or Docker holds: a document with replicas in the millions must be
/// refused before any work, and a service with a hundred thousand containers must plan in one pass over them.
/// </summary>
public class ReconcilePlannerScaleTests
{
    // Only a guard against hanging the test run: the assertions are about the plan, never about how long it took.
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Replicas_in_the_billions_are_refused_before_any_planning()
    {
        var service = Service(replicas: 1_000_000_000);

        var plan = await Task.Run(() => Plan(service, [])).WaitAsync(HangGuard);

        Assert.Equal(OutcomeKind.Invalid, plan.Outcome.Kind);
        Assert.Contains("spec.replicas: must be between 0 and 1000 (got 1000000000)", plan.Outcome.Message);
        Assert.Empty(plan.Actions);
    }

    [Fact]
    public void One_plan_creates_at_most_MaxCreatesPerPass_replicas_in_the_lowest_free_slots()
    {
        var service = Service(replicas: 1000);
        var settings = new PlannerSettings { MaxCreatesPerPass = 50 };
        // Every other slot taken: the free slots interleave with the occupied ones.
        var observed = Healthy(HashOf(service), [.. Enumerable.Range(0, 200).Select(i => i * 2)]);

        var plan = Plan(service, observed, settings: settings);

        Assert.Equal([.. Enumerable.Range(0, 50).Select(i => (i * 2) + 1)], SlotsOf<CreateReplica>(plan));
        Assert.Equal(new ReplicaCounts(1000, 200), plan.Replicas);
        Assert.Equal(PlanOutcome.Reasons.ScalingUp, plan.Outcome.Reason);
        Assert.NotNull(plan.RequeueAfter);
    }

    [Fact]
    public async Task A_hundred_thousand_surplus_containers_plan_in_one_pass()
    {
        var service = Service(replicas: 1);
        var observed = Healthy(HashOf(service), [.. Enumerable.Range(0, 100_000)]);

        var plan = await Task.Run(() => Plan(service, observed)).WaitAsync(HangGuard);

        var removed = SlotsOf<RemoveContainer>(plan);
        Assert.Equal(99_999, removed.Length);
        Assert.Equal(99_999, removed[0]);
        Assert.DoesNotContain(0, removed);
        Assert.Equal(new ReplicaCounts(1, 1), plan.Replicas);
    }

    [Fact]
    public async Task A_rollout_over_a_hundred_thousand_old_containers_plans_in_one_pass()
    {
        var service = Service(replicas: 1000, parallelism: 1000);
        var observed = Healthy("0ld0ld0ld0ld0ld0", [.. Enumerable.Range(0, 100_000)]);

        var plan = await Task.Run(() => Plan(service, observed)).WaitAsync(HangGuard);

        Assert.Equal(new PlannerSettings().MaxCreatesPerPass, SlotsOf<CreateReplica>(plan).Length);
        Assert.Equal(PlanOutcome.Reasons.RollingUpdate, plan.Outcome.Reason);
    }
}
