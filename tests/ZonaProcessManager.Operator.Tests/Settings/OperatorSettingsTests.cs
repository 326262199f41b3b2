using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Operator.Tests.Settings;

public sealed class OperatorSettingsTests
{
    [Fact]
    public void Defaults_are_the_documented_ones()
    {
        var settings = new OperatorSettings().Validate();

        Assert.Equal("zpm", settings.Database);
        Assert.Equal(4, settings.MaxParallelReconciles);
        Assert.Equal(TimeSpan.FromMinutes(5), settings.ResyncInterval);
        Assert.Equal(TimeSpan.FromSeconds(1), settings.BackoffInitial);
        Assert.Equal(TimeSpan.FromMinutes(5), settings.BackoffMax);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.RolloutHealthDeadline);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.DockerStopGrace);
        Assert.Equal(TimeSpan.FromMinutes(2), settings.ReconcileTimeout);
        Assert.Equal(LogFormat.Pretty, settings.LogFormat);
        Assert.True(settings.Manages("any-tenant"));
    }

    [Theory]
    [InlineData(0, "MaxParallelReconciles")]
    [InlineData(-3, "MaxParallelReconciles")]
    public void An_unusable_parallelism_is_refused_naming_the_setting(int parallelism, string setting)
    {
        var error = Assert.Throws<ArgumentException>(() => new OperatorSettings { MaxParallelReconciles = parallelism }.Validate());

        Assert.Equal(setting, error.ParamName);
        Assert.Contains($"got {parallelism}", error.Message);
    }

    [Fact]
    public void A_backoff_cap_below_its_start_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new OperatorSettings { BackoffInitial = TimeSpan.FromSeconds(10), BackoffMax = TimeSpan.FromSeconds(1) }.Validate());

        Assert.Equal(nameof(OperatorSettings.BackoffMax), error.ParamName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(60 * 60 * 24 * 60)]
    public void A_reconcile_timeout_that_is_not_positive_or_too_long_to_time_is_refused(int seconds)
    {
        var error = Assert.Throws<ArgumentException>(() => new OperatorSettings { ReconcileTimeout = TimeSpan.FromSeconds(seconds) }.Validate());

        Assert.Equal(nameof(OperatorSettings.ReconcileTimeout), error.ParamName);
    }

    [Fact]
    public void The_leader_election_defaults_are_client_gos()
    {
        var election = new OperatorSettings().Validate().LeaderElection;

        Assert.Equal(TimeSpan.FromSeconds(15), election.LeaseDuration);
        Assert.Equal(TimeSpan.FromSeconds(10), election.RenewDeadline);
        Assert.Equal(TimeSpan.FromSeconds(2), election.RetryPeriod);
        Assert.Equal(LeaderRole.Auto, election.Role);
        Assert.False(election.ExitOnLostLease);
    }

    [Theory]
    [InlineData(15, 15, 2, "renew deadline")]
    [InlineData(15, 20, 2, "renew deadline")]
    [InlineData(15, 10, 10, "retry period")]
    [InlineData(15, 10, 0, "retry period must be positive")]
    public void Leader_election_periods_out_of_order_are_refused(int leaseSeconds, int renewSeconds, int retrySeconds, string problem)
    {
        var election = new LeaderElectionSettings
        {
            LeaseDuration = TimeSpan.FromSeconds(leaseSeconds),
            RenewDeadline = TimeSpan.FromSeconds(renewSeconds),
            RetryPeriod = TimeSpan.FromSeconds(retrySeconds),
        };

        var error = Assert.Throws<ArgumentException>(() => new OperatorSettings { LeaderElection = election }.Validate());

        Assert.Equal(nameof(OperatorSettings.LeaderElection), error.ParamName);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tenant_scope_limits_what_the_operator_manages()
    {
        var settings = new OperatorSettings { Tenants = new HashSet<string> { "acme" } };

        Assert.True(settings.Manages("acme"));
        Assert.False(settings.Manages("globex"));
    }

    [Fact]
    public void The_operator_probes_by_default_and_a_probe_bound_below_one_is_refused()
    {
        Assert.Equal(ProbeMode.Operator, new OperatorSettings().Probes.Mode);

        var error = Assert.Throws<ArgumentException>(() =>
            new OperatorSettings { Probes = ProbeSettings.Default with { MaxConcurrentProbes = 0 } }.Validate());

        Assert.Contains("MaxConcurrentProbes must be at least 1, got 0", error.Message);
    }
}
