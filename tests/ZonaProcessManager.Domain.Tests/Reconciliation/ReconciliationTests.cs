using CsCheck;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Domain.Reconciliation;

namespace ZonaProcessManager.Domain.Tests.Reconciliation;

public class ReconciliationResultTests
{
    [Fact]
    public void Success_and_failure_carry_what_the_queue_needs()
    {
        var ok = ReconciliationResult.Success(TimeSpan.FromSeconds(2));
        var error = new InvalidOperationException("port is already allocated");
        var failed = ReconciliationResult.Failure(error);

        Assert.True(ok.IsSuccess);
        Assert.Equal(TimeSpan.FromSeconds(2), ok.RequeueAfter);
        Assert.Null(ok.Error);
        Assert.True(failed.IsFailure);
        Assert.Equal("port is already allocated", failed.Error);
        Assert.Same(error, failed.Exception);
        Assert.Null(failed.RequeueAfter);
    }

    [Fact]
    public void Nonsense_results_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ReconciliationResult.Success(TimeSpan.FromSeconds(-1)));
        Assert.Throws<ArgumentException>(() => ReconciliationResult.Failure(" "));
    }
}

public class ConditionSetTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_new_condition_starts_now()
    {
        var conditions = ConditionSet.Set([], ConditionTypes.Ready, false, "Creating", "creating 3", T0);

        Assert.Equal([new Condition(ConditionTypes.Ready, false, "Creating", "creating 3", T0)], conditions);
    }

    [Fact]
    public void Same_status_with_a_new_reason_keeps_the_transition_time()
    {
        var first = ConditionSet.Set([], ConditionTypes.Ready, false, "Creating", "creating 3", T0);

        var second = ConditionSet.Set(first, ConditionTypes.Ready, false, "WaitingForReplicas", "1 of 3 ready", T0.AddMinutes(1));

        Assert.Equal(new Condition(ConditionTypes.Ready, false, "WaitingForReplicas", "1 of 3 ready", T0), Assert.Single(second));
    }

    [Fact]
    public void A_flipped_status_moves_the_transition_time_and_leaves_other_types_alone()
    {
        var progressing = new Condition(ConditionTypes.Progressing, true, "Creating", "x", T0);
        var start = ConditionSet.Set([progressing], ConditionTypes.Ready, false, "Creating", "x", T0);

        var after = ConditionSet.Set(start, ConditionTypes.Ready, true, "AllReplicasReady", "3 of 3", T0.AddMinutes(2));

        Assert.Equal([progressing, new Condition(ConditionTypes.Ready, true, "AllReplicasReady", "3 of 3", T0.AddMinutes(2))], after);
    }

    [Fact]
    public void Duplicate_conditions_of_one_type_collapse_into_one()
    {
        var messy = new[] { new Condition("Ready", true, "a", "a", T0), new Condition("Ready", true, "b", "b", T0) };

        var cleaned = ConditionSet.Set(messy, "Ready", true, "c", "c", T0.AddHours(1));

        Assert.Equal(new Condition("Ready", true, "c", "c", T0), Assert.Single(cleaned));
    }

    [Theory]
    [InlineData(OutcomeKind.AllReady, true, false)]
    [InlineData(OutcomeKind.Progressing, false, true)]
    [InlineData(OutcomeKind.WaitingForDependencies, false, true)]
    [InlineData(OutcomeKind.TearingDown, false, true)]
    [InlineData(OutcomeKind.Degraded, false, false)]
    [InlineData(OutcomeKind.Invalid, false, false)]
    [InlineData(OutcomeKind.Removed, false, false)]
    public void A_plan_outcome_sets_ready_and_progressing(OutcomeKind kind, bool ready, bool progressing)
    {
        var conditions = ConditionSet.FromOutcome(null, new PlanOutcome(kind, "Why", "what"), T0);

        Assert.Equal(ready, ConditionSet.IsTrue(conditions, ConditionTypes.Ready));
        Assert.Equal(progressing, ConditionSet.IsTrue(conditions, ConditionTypes.Progressing));
        Assert.All(conditions, c => Assert.Equal(("Why", "what"), (c.Reason, c.Message)));
    }
}

public class BackoffPolicyTests
{
    [Fact]
    public void Delays_start_at_one_second_double_and_cap_at_five_minutes()
    {
        var policy = BackoffPolicy.Default;

        // unitRandom 0 = no jitter: the nominal schedule.
        var nominal = Enumerable.Range(1, 12).Select(a => policy.Delay(a, 0.0).TotalSeconds).ToArray();

        Assert.Equal([1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300], nominal);
    }

    [Fact]
    public void Jittered_delays_stay_within_bounds_for_any_attempt()
    {
        var policy = BackoffPolicy.Default;
        Gen.Select(Gen.Int, Gen.Int).Sample((attempt, seed) =>
        {
            var delay = policy.Delay(attempt, new Random(seed));
            var nominal = policy.Delay(attempt, 0.0);

            Assert.InRange(delay, nominal * (1 - policy.Jitter), nominal);
            Assert.InRange(delay, TimeSpan.FromSeconds(0.8), TimeSpan.FromMinutes(5));
        });
    }

    [Fact]
    public void Jitter_spreads_resources_that_fail_together()
    {
        var random = new Random(7);

        var delays = Enumerable.Range(0, 50).Select(_ => BackoffPolicy.Default.Delay(5, random)).Distinct().Count();

        Assert.True(delays > 40, $"only {delays} distinct delays out of 50");
    }

    [Fact]
    public void Delays_never_shrink_as_attempts_grow()
    {
        var policy = BackoffPolicy.Default;
        Gen.Int[1, 200].Sample(attempt => Assert.True(policy.Delay(attempt + 1, 0.0) >= policy.Delay(attempt, 0.0)));
    }

    [Fact]
    public void A_bad_policy_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BackoffPolicy(TimeSpan.Zero, TimeSpan.FromMinutes(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BackoffPolicy(TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BackoffPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), 1.5));
    }

    [Fact]
    public void The_tracker_backs_off_per_key_and_resets_on_success()
    {
        var tracker = new BackoffTracker<string>(new BackoffPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5), jitter: 0), new Random(1));

        var first = tracker.RecordFailure("a");
        var second = tracker.RecordFailure("a");
        var other = tracker.RecordFailure("b");
        tracker.RecordSuccess("a");
        var afterSuccess = tracker.RecordFailure("a");

        Assert.Equal(TimeSpan.FromSeconds(1), first);
        Assert.Equal(TimeSpan.FromSeconds(2), second);
        Assert.Equal(TimeSpan.FromSeconds(1), other);
        Assert.Equal(TimeSpan.FromSeconds(1), afterSuccess);
        Assert.Equal(1, tracker.Failures("b"));
    }
}

public class BackoffSequenceTests
{
    [Fact]
    public void A_reconnect_waits_longer_after_each_failure_and_starts_over_after_a_success()
    {
        var backoff = new BackoffSequence(new BackoffPolicy(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(3), jitter: 0));

        var failing = Enumerable.Range(0, 5).Select(_ => backoff.Next().TotalMilliseconds).ToArray();
        backoff.Reset();
        var afterSuccess = backoff.Next();

        Assert.Equal([500, 1000, 2000, 3000, 3000], failing);
        Assert.Equal(TimeSpan.FromMilliseconds(500), afterSuccess);
    }

    [Fact]
    public void Jitter_comes_from_the_given_source()
    {
        var backoff = new BackoffSequence(new BackoffPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), jitter: 0.5), () => 1.0);

        Assert.Equal(TimeSpan.FromMilliseconds(500), backoff.Next());
        Assert.Equal(TimeSpan.FromSeconds(1), backoff.Next());
    }
}
