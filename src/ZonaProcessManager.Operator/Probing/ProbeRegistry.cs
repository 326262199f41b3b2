using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Probing;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Operator.Probing;

/// <summary>
/// The replicas the operator probes and what their probes found. Fed by every observation of containers (each list
/// and inspect of the single-host runtime passes through <see cref="Observe"/>), so no list of its own is needed: a
/// running container labelled zpm.probe of a tenant this operator manages is followed from the first time it is seen,
/// and its health in that observation is the probes' verdict (starting until the first one). A container seen
/// stopped, gone from a list that would have shown it, removed or restarted is no longer followed; seen again running
/// (a new start time) it starts over as Docker's health does after a restart. A container found already running for
/// longer than one interval (this operator started or took over) is presumed healthy until its probes say otherwise.
/// </summary>
public sealed class ProbeRegistry(OperatorSettings settings, TimeProvider time, Func<double> spread)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Followed> _followed = new(StringComparer.Ordinal);
    private long _generations;

    // Completed while at least one replica is followed, and replaced by a fresh one when the last goes: the prober
    // sleeps on it rather than waking every tick to find nothing due.
    private TaskCompletionSource _following = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ProbeRegistry(OperatorSettings settings, TimeProvider time)
        : this(settings, time, Random.Shared.NextDouble)
    {
    }

    /// <summary>How many replicas are followed now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _followed.Count;
            }
        }
    }

    /// <summary>Completes once at least one replica is followed (at once if one is).</summary>
    public Task UntilFollowingAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _following.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Follows what <paramref name="containers"/> shows and returns it with the probes' verdicts as health. When the
    /// observation is a list (<paramref name="listedOwner"/> given, or <paramref name="listedAll"/>), followed
    /// containers of that scope it does not show are gone and no longer followed.
    /// </summary>
    public IReadOnlyList<ObservedContainer> Observe(IReadOnlyList<ObservedContainer> containers, ResourceKey? listedOwner = null, bool listedAll = false)
    {
        ArgumentNullException.ThrowIfNull(containers);
        var now = time.GetUtcNow();
        var result = new List<ObservedContainer>(containers.Count);
        lock (_gate)
        {
            if (listedAll || listedOwner is not null)
            {
                var seen = containers.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
                foreach (var gone in _followed.Values.Where(f => !seen.Contains(f.Id) && (listedAll || f.Owner == listedOwner)).ToList())
                {
                    _followed.Remove(gone.Id);
                }
            }

            foreach (var container in containers)
            {
                result.Add(Follow(container, now));
            }

            FollowedCountChangedLocked();
        }

        return result;
    }

    /// <summary>Stops following a container (removed, restarted, stopped or died): its next observation starts over.</summary>
    public void Forget(string containerId)
    {
        lock (_gate)
        {
            _followed.Remove(containerId);
            FollowedCountChangedLocked();
        }
    }

    /// <summary>Probes due at <paramref name="now"/>; each is marked in flight and not handed out again until <see cref="Record"/>.</summary>
    public IReadOnlyList<ProbeTarget> TakeDue(DateTimeOffset now)
    {
        lock (_gate)
        {
            var due = new List<ProbeTarget>();
            foreach (var followed in _followed.Values)
            {
                if (!followed.InFlight && followed.NextProbeAt <= now)
                {
                    followed.InFlight = true;
                    due.Add(followed.ToTarget());
                }
            }

            return due;
        }
    }

    /// <summary>
    /// Applies a probe's result (begun at <paramref name="probeStartedAt"/>, ended at <paramref name="probeEndedAt"/>)
    /// and schedules the next; returns the change of health it made, or null (none, or the container is no longer
    /// followed as it was when the probe began).
    /// </summary>
    public HealthChange? Record(ProbeTarget target, ProbeResult result, DateTimeOffset probeStartedAt, DateTimeOffset probeEndedAt)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(result);
        lock (_gate)
        {
            if (!_followed.TryGetValue(target.ContainerId, out var followed) || followed.Generation != target.Generation)
            {
                return null;
            }

            var before = followed.State.Health;
            followed.State = followed.State.Record(result, followed.Probe, probeStartedAt, followed.StartedAt);
            followed.NextProbeAt = ProbeSchedule.NextProbe(probeEndedAt, followed.Probe.Interval);
            followed.InFlight = false;
            return followed.State.Health == before ? null : new HealthChange(target, before, followed.State.Health, followed.State.LastFailure);
        }
    }

    /// <summary>The health the probes give <paramref name="containerId"/>, or null when it is not followed.</summary>
    public ProbeState? StateOf(string containerId)
    {
        lock (_gate)
        {
            return _followed.TryGetValue(containerId, out var followed) ? followed.State : null;
        }
    }

    private void FollowedCountChangedLocked()
    {
        if (_followed.Count > 0)
        {
            _following.TrySetResult();
        }
        else if (_following.Task.IsCompleted)
        {
            _following = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    private ObservedContainer Follow(ObservedContainer container, DateTimeOffset now)
    {
        if (container.Probe is not { } probe || !settings.Manages(container.Owner.Tenant))
        {
            return container;
        }

        if (container.State != ContainerState.Running)
        {
            _followed.Remove(container.Id);
            return container;
        }

        if (!_followed.TryGetValue(container.Id, out var followed) || followed.StartedAt != container.StartedAt || followed.Probe != probe)
        {
            followed = new Followed
            {
                Id = container.Id,
                Name = container.Name,
                Owner = container.Owner,
                Probe = probe,
                StartedAt = container.StartedAt,
                Generation = ++_generations,
                NextProbeAt = ProbeSchedule.FirstProbe(container.StartedAt, now, probe.Interval, Math.Clamp(spread(), 0, 0.999)),
                // Without this an operator restart would turn every probed service from Running to waiting for its
                // replicas until their first probes: a status write and a transition per service, for nothing.
                State = container.StartedAt is { } started && started + probe.Interval <= now ? ProbeState.PresumedHealthy : ProbeState.Initial,
            };
            _followed[container.Id] = followed;
        }

        followed.Address = container.ProbeAddress;
        var state = followed.State;
        return container with
        {
            Health = state.Health,
            Error = container.Error ?? (state.Health == ContainerHealth.Unhealthy
                ? $"health probe {probe.Describe()} failed: {state.LastFailure}"
                : null),
        };
    }

    private sealed class Followed
    {
        public required string Id { get; init; }
        public required string Name { get; init; }
        public required ResourceKey Owner { get; init; }
        public required OperatorProbe Probe { get; init; }
        public required DateTimeOffset? StartedAt { get; init; }
        public required long Generation { get; init; }
        public string? Address { get; set; }
        public ProbeState State { get; set; } = ProbeState.Initial;
        public DateTimeOffset NextProbeAt { get; set; }
        public bool InFlight { get; set; }

        public ProbeTarget ToTarget() => new(Id, Name, Owner, Address, Probe, StartedAt, Generation);
    }
}
