using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Probing;
using ZonaProcessManager.Operator.Hosting;
using ZonaProcessManager.Operator.Messages;
using ZonaProcessManager.Operator.Probing;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Operator.Tests.Fakes;
using ZonaProcessManager.Testing.Time;

namespace ZonaProcessManager.Operator.Tests.Probing;

/// <summary>
/// The operator's prober on a manual clock with a fake probe port: when probes run, what their results make of a
/// replica's health as the runtime reports it, and what reaches the trigger path.
/// </summary>
public sealed class ReplicaProberTests : IAsyncDisposable
{
    private static readonly ResourceKey Owner = new(ServiceSpec.KindName, "acme", "web");
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private readonly ManualTimeProvider _clock = new();
    private readonly FakeReplicaProbe _probe = new();
    private readonly CapturingPublisher _publisher = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly OperatorSettings _settings;
    private readonly ProbeRegistry _registry;
    private Task? _running;

    public ReplicaProberTests()
        : this(maxConcurrentProbes: 100)
    {
    }

    private ReplicaProberTests(int maxConcurrentProbes, int? hostNeighbourEntries = null)
    {
        _settings = new OperatorSettings
        {
            Tenants = new HashSet<string>(["acme"], StringComparer.Ordinal),
            Probes = ProbeSettings.Default with { MaxConcurrentProbes = maxConcurrentProbes, HostNeighbourEntries = hostNeighbourEntries },
        };
        // No spread: a replica found late is probed at once, so tests know when.
        _registry = new ProbeRegistry(_settings, _clock, () => 0);
    }

    private static OperatorProbe HttpProbe(int retries = 3, int timeoutSeconds = 1) => OperatorProbe.For(new HealthCheckSpec
    {
        Http = new HttpProbe(8080, "/healthz"),
        IntervalSeconds = (int)Interval.TotalSeconds,
        TimeoutSeconds = timeoutSeconds,
        Retries = retries,
    })!;

    private ObservedContainer Container(int slot, OperatorProbe? probe, ContainerState state = ContainerState.Running, string tenant = "acme") => new()
    {
        Id = $"id-{tenant}-{slot}",
        Name = $"zpm-{tenant}-web-{slot}",
        Owner = Owner with { Tenant = tenant },
        Replica = slot,
        SpecHash = "hash",
        State = state,
        StartedAt = _clock.GetUtcNow(),
        Probe = probe,
        ProbeAddress = $"10.0.0.{slot + 2}",
    };

    private async Task StartAsync(ILogger<ReplicaProber>? logger = null)
    {
        var prober = new ReplicaProber(
            _registry, _probe, _publisher, _settings, _clock, new ResilientLoop(_settings, _clock), logger ?? NullLogger<ReplicaProber>.Instance);
        var timersBefore = _clock.ActiveTimerCount;
        _running = prober.RunAsync(_stop.Token);
        await Eventually.TrueAsync(() => _clock.ActiveTimerCount > timersBefore, "the prober to start its tick");
    }

    /// <summary>Moves the clock in ticks, so the prober looks at every step as it would in real time.</summary>
    private void Advance(TimeSpan by)
    {
        for (var moved = TimeSpan.Zero; moved < by; moved += ReplicaProber.Tick)
        {
            _clock.Advance(by - moved < ReplicaProber.Tick ? by - moved : ReplicaProber.Tick);
        }
    }

    private ObservedContainer Seen(ObservedContainer container) => Assert.Single(_registry.Observe([container], listedOwner: container.Owner));

    private IReadOnlyList<ContainerEventObserved> HealthEvents =>
        [.. _publisher.Published.OfType<ContainerEventObserved>().Where(e => e.Event.Action == "health_status")];

    [Fact]
    public async Task A_replica_is_starting_until_its_first_probe_one_interval_after_its_start_then_healthy_with_a_health_status_event()
    {
        var container = Container(0, HttpProbe());
        Assert.Equal(ContainerHealth.Starting, Seen(container).Health);
        await StartAsync();

        Advance(Interval - ReplicaProber.Tick);
        await Task.Delay(50);
        Assert.Empty(_probe.Calls);

        Advance(ReplicaProber.Tick);
        await Eventually.TrueAsync(() => HealthEvents.Count == 1, "one health_status event");

        Assert.Equal(["10.0.0.2"], _probe.Calls);
        var published = Assert.Single(HealthEvents).Event;
        Assert.Equal((Owner, "id-acme-0", "zpm-acme-web-0"), (published.Owner, published.ContainerId, published.ContainerName));
        Assert.Equal(ContainerHealth.Healthy, Seen(container).Health);
    }

    [Fact]
    public async Task A_replica_is_unhealthy_after_retries_consecutive_failures_and_the_runtime_reports_what_failed()
    {
        var container = Container(0, HttpProbe(retries: 3));
        Seen(container);
        _probe.Results["10.0.0.2"] = ProbeResult.Failed("connection refused");
        await StartAsync();

        Advance(Interval * 2);
        await Eventually.TrueAsync(() => _probe.Calls.Count == 2 && _registry.StateOf(container.Id)?.FailingStreak == 2, "two failed probes");
        Assert.Equal(ContainerHealth.Starting, Seen(container).Health);
        Assert.Empty(HealthEvents);

        Advance(Interval);
        await Eventually.TrueAsync(() => HealthEvents.Count == 1, "the health_status event of the third failure");

        var unhealthy = Seen(container);
        Assert.Equal(ContainerHealth.Unhealthy, unhealthy.Health);
        Assert.Equal("health probe HTTP GET :8080/healthz failed: connection refused", unhealthy.Error);
    }

    [Fact]
    public async Task A_probe_that_gets_no_answer_within_its_timeout_fails()
    {
        var container = Container(0, HttpProbe(retries: 1, timeoutSeconds: 1));
        Seen(container);
        _probe.Hanging["10.0.0.2"] = true;
        await StartAsync();

        Advance(Interval);
        await Eventually.TrueAsync(() => _probe.InFlight == 1, "the probe to be in flight");
        Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => HealthEvents.Count == 1, "the timed-out probe's health_status event");

        Assert.Equal("health probe HTTP GET :8080/healthz failed: no answer within 1s", Seen(container).Error);
        Assert.Equal(0, _probe.InFlight);
    }

    [Fact]
    public async Task No_more_probes_than_the_bound_are_in_flight_at_once()
    {
        await using var bounded = new ReplicaProberTests(maxConcurrentProbes: 2);
        var containers = Enumerable.Range(0, 5).Select(slot => bounded.Container(slot, HttpProbe(retries: 1, timeoutSeconds: 2))).ToList();
        bounded._registry.Observe(containers, listedOwner: Owner);
        foreach (var container in containers)
        {
            bounded._probe.Hanging[container.ProbeAddress!] = true;
        }

        await bounded.StartAsync();
        bounded.Advance(Interval);
        await Eventually.TrueAsync(() => bounded._probe.InFlight == 2, "two probes in flight");
        // The waiting three start as slots free up: after the first two time out, then the next two, then the last.
        bounded.Advance(TimeSpan.FromSeconds(2));
        await Eventually.TrueAsync(() => bounded._probe.Calls.Count == 4, "the next two probes");
        bounded.Advance(TimeSpan.FromSeconds(2));
        await Eventually.TrueAsync(() => bounded._probe.Calls.Count == 5, "the last probe");

        Assert.Equal(2, bounded._probe.MostInFlight);
    }

    [Fact]
    public async Task Probing_more_replicas_than_the_host_keeps_neighbour_entries_for_warns_once_until_it_is_back_under()
    {
        await using var crowded = new ReplicaProberTests(maxConcurrentProbes: 100, hostNeighbourEntries: 2);
        var logger = new CapturingLogger<ReplicaProber>();
        var containers = Enumerable.Range(0, 3).Select(slot => crowded.Container(slot, HttpProbe())).ToList();
        IReadOnlyList<CapturedLog> Warnings() => [.. logger.Logs.Where(log => log.Level == LogLevel.Warning)];
        crowded._registry.Observe(containers[..2], listedOwner: Owner);
        await crowded.StartAsync(logger);

        crowded.Advance(ReplicaProber.Tick * 3);
        await Task.Delay(50);
        Assert.Empty(Warnings());

        crowded._registry.Observe(containers, listedOwner: Owner);
        crowded.Advance(ReplicaProber.Tick);
        await Eventually.TrueAsync(() => Warnings().Count == 1, "a warning about the neighbour table");
        crowded.Advance(ReplicaProber.Tick * 5);
        await Task.Delay(50);
        crowded._registry.Observe(containers[..1], listedOwner: Owner);
        crowded.Advance(ReplicaProber.Tick * 2);
        crowded._registry.Observe(containers, listedOwner: Owner);
        crowded.Advance(ReplicaProber.Tick);
        await Eventually.TrueAsync(() => Warnings().Count == 2, "a second warning after the count went back under and past again");

        Assert.Equal(
            "3 replicas are probed from this host, more than the 2 neighbour (ARP) entries it keeps (net.ipv4.neigh.default.gc_thresh2): "
            + "probes to the others may go unanswered and their services turn Degraded. Raise net.ipv4.neigh.default.gc_thresh1/2/3 "
            + "(scripts/ensure-neighbour-table.sh) or run with --probe-mode docker",
            Warnings()[0].Message);
    }

    [Fact]
    public async Task A_restarted_replica_starts_over_as_starting_and_a_stopped_one_is_not_probed()
    {
        var container = Container(0, HttpProbe(retries: 1));
        Seen(container);
        _probe.Results["10.0.0.2"] = ProbeResult.Failed("HTTP status 500");
        await StartAsync();
        Advance(Interval);
        await Eventually.TrueAsync(() => HealthEvents.Count == 1, "unhealthy");
        Assert.Equal(ContainerHealth.Unhealthy, Seen(container).Health);

        var restarted = container with { StartedAt = _clock.GetUtcNow() };
        Assert.Equal(ContainerHealth.Starting, Seen(restarted).Health);

        var stopped = restarted with { State = ContainerState.Exited };
        Assert.Equal(ContainerHealth.None, Seen(stopped).Health);
        Assert.Equal(0, _registry.Count);
    }

    [Fact]
    public async Task A_replica_found_running_for_longer_than_an_interval_is_presumed_healthy_until_retries_probes_fail()
    {
        var foundLate = Container(0, HttpProbe(retries: 2));
        _clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(ContainerHealth.Healthy, Seen(foundLate).Health);
        _probe.Results["10.0.0.2"] = ProbeResult.Failed("connection refused");
        await StartAsync();

        Advance(ReplicaProber.Tick);
        await Eventually.TrueAsync(() => _registry.StateOf(foundLate.Id)?.FailingStreak == 1, "the first failed probe");
        Assert.Equal(ContainerHealth.Healthy, Seen(foundLate).Health);
        Advance(Interval);
        await Eventually.TrueAsync(() => HealthEvents.Count == 1, "unhealthy at the second failure");

        Assert.Equal(ContainerHealth.Unhealthy, Seen(foundLate).Health);
    }

    [Fact]
    public void Only_labelled_running_replicas_of_managed_tenants_are_followed_and_a_list_drops_the_ones_gone()
    {
        var dockerChecked = Container(0, probe: null) with { Health = ContainerHealth.Healthy };
        var otherTenant = Container(1, HttpProbe(), tenant: "other");
        var probed = Container(2, HttpProbe());

        var seen = _registry.Observe([dockerChecked, otherTenant, probed], listedAll: true);

        Assert.Equal([ContainerHealth.Healthy, ContainerHealth.None, ContainerHealth.Starting], seen.Select(c => c.Health));
        Assert.Equal(1, _registry.Count);

        _registry.Observe([], listedOwner: Owner);
        Assert.Equal(0, _registry.Count);
    }

    [Fact]
    public async Task With_no_replica_to_probe_the_prober_holds_no_timer_and_probes_a_replica_as_soon_as_one_is_followed()
    {
        var prober = new ReplicaProber(
            _registry, _probe, _publisher, _settings, _clock, new ResilientLoop(_settings, _clock), NullLogger<ReplicaProber>.Instance);
        var timersBefore = _clock.ActiveTimerCount;
        _running = prober.RunAsync(_stop.Token);
        Advance(Interval);
        Assert.Equal(timersBefore, _clock.ActiveTimerCount);

        var container = Container(0, HttpProbe());
        Seen(container);
        await Eventually.TrueAsync(() => _clock.ActiveTimerCount > timersBefore, "the prober to start ticking for the followed replica");
        Advance(Interval);
        await Eventually.TrueAsync(() => _probe.Calls.Count == 1, "the first probe of the followed replica");

        _registry.Observe([], listedOwner: Owner);
        Advance(ReplicaProber.Tick);
        await Eventually.TrueAsync(() => _clock.ActiveTimerCount == timersBefore, "the prober to stop ticking once nothing is followed");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_running is not null)
        {
            await _running;
        }

        _stop.Dispose();
    }
}
