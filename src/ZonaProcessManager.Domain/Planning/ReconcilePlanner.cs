using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Validation;
using static ZonaProcessManager.Domain.Planning.PlanOutcome;

namespace ZonaProcessManager.Domain.Planning;

/// <summary>
/// Desired spec + observed containers → an ordered plan. Pure and level-triggered: it looks only at what is there now,
/// so planning again on the result of executing a plan gives no new actions (only waits) until something changes.
/// </summary>
/// <remarks>
/// Replica indices are slots: every container has a unique slot (label zpm.replica, name zpm-&lt;tenant&gt;-&lt;name&gt;-&lt;slot&gt;).
/// New replicas take the lowest free slot. A start-first rollout creates the new replica in a free slot (which may be
/// above replicas-1 while both old and new run) before removing an old one, so the name contract never needs a suffix;
/// afterwards slots need not be contiguous. A stop-first rollout removes old replicas first and reuses their slots.
/// Fixed host ports cannot be bound twice, so a spec with a fixed host port always rolls stop-first.
/// </remarks>
public sealed class ReconcilePlanner(PlannerSettings settings) : IWorkloadPlanner
{
    public ReconcilePlanner()
        : this(PlannerSettings.Default)
    {
    }

    public PlannerSettings Settings { get; } = settings;

    public ReconcilePlan Plan(PlanInput input)
    {
        var service = input.Service;
        // Deletion first: a spec that became invalid must still be deletable.
        if (service?.Metadata?.DeletionRequested == true)
        {
            return PlanTeardown(input.Observed);
        }

        // The isolation policy is checked here, before any action exists, so no path to Docker can skip it.
        var problems = ServiceSpecValidator.Validate(service).Concat(Settings.Isolation.Check(service)).ToList();
        if (problems.Count > 0)
        {
            var message = string.Join("; ", problems.Select(p => p.ToString()));
            return new ReconcilePlan([], new PlanOutcome(OutcomeKind.Invalid, Reasons.InvalidSpec, message),
                new ReplicaCounts(0, 0), null);
        }

        return new PlanBuilder(input, Settings).Build();
    }

    /// <summary>The plan for a workload of containers the operator runs itself (<see cref="ObservedWorkload.Containers"/>).</summary>
    public ReconcilePlan Plan(DesiredWorkload desired, ObservedWorkload observed, DateTimeOffset now) => Plan(new PlanInput
    {
        Service = desired.Service,
        SpecHash = desired.SpecHash,
        Observed = observed.Containers,
        UnreadyDependencies = desired.UnreadyDependencies,
        Now = now,
        ExtraLabels = desired.OwnerLabels,
    });

    /// <summary>Removes every container of a deleted resource; Removed once none is left. Volumes and networks stay.</summary>
    public ReconcilePlan PlanTeardown(IReadOnlyList<ObservedContainer> observed)
    {
        var live = observed.Where(c => c.State != ContainerState.Removing).OrderByDescending(c => c.Replica).ToList();
        if (observed.Count == 0)
        {
            return new ReconcilePlan([],
                new PlanOutcome(OutcomeKind.Removed, Reasons.RemovalFinished, "All containers removed"),
                new ReplicaCounts(0, 0), null);
        }

        var actions = live.Select(c => (ReconcileAction)new RemoveContainer(c.Id, c.Name, c.Replica, "deletion requested")).ToList();
        return new ReconcilePlan(actions,
            new PlanOutcome(OutcomeKind.TearingDown, Reasons.Terminating, $"Removing {observed.Count} container(s)"),
            new ReplicaCounts(0, 0), Settings.ProgressRequeue);
    }

    private enum Readiness { Ready, Starting, NotStarted, Restarting, Unhealthy, Exited, Dead, Paused }

    private sealed record Replica(ObservedContainer Container, Readiness Readiness)
    {
        public bool IsReady => Readiness == Readiness.Ready;

        /// <summary>Serving, or on its way to serving without help.</summary>
        public bool IsServing => Readiness is Readiness.Ready or Readiness.Starting or Readiness.Restarting;

        public bool IsPending => Readiness is Readiness.Starting or Readiness.NotStarted or Readiness.Restarting;

        public int Slot => Container.Replica;
    }

    /// <summary>The state of one planning pass; lives only for the duration of <see cref="Build"/>.</summary>
    private sealed class PlanBuilder(PlanInput input, PlannerSettings settings)
    {
        private readonly ServiceSpecBody _spec = JoiningTenantNetworkByDefault(input.Service);

        /// <summary>
        /// A service that names no network joins its tenant's: Docker's default bridge is shared by every container on the
        /// host, so tenants would reach each other there. The spec hash stays that of the document (this default is not
        /// in it), so containers made before this rule are not rolled for it; they move at their next replacement.
        /// </summary>
        private static ServiceSpecBody JoiningTenantNetworkByDefault(ServiceSpec service) =>
            service.Spec.Networks is { Count: > 0 }
                ? service.Spec
                : service.Spec with { Networks = [Tenant.NetworkNameFor(service.Metadata.Tenant)] };
        private readonly List<ReconcileAction> _removals = [];
        private readonly List<ReconcileAction> _repairs = [];
        private readonly List<ReconcileAction> _creations = [];
        // Ids of containers this plan removes or replaces, so "is it going away" is one lookup per replica.
        private readonly HashSet<string> _leaving = new(StringComparer.Ordinal);
        private HashSet<int>? _occupiedSlots;
        private int _nextSlotCandidate;

        // The soonest a new replica of a rollout reaches the end of a window (available, or past its ready deadline):
        // no Docker event marks that moment, so the plan asks to be looked at again then.
        private TimeSpan? _nextWindowEnd;

        public ReconcilePlan Build()
        {
            var desired = _spec.Suspended ? 0 : Math.Max(0, _spec.Replicas);
            var live = input.Observed.Where(c => c.State != ContainerState.Removing)
                .Select(c => new Replica(c, Classify(c)))
                .OrderBy(r => r.Slot)
                .ToList();
            var current = live.Where(r => r.Container.SpecHash == input.SpecHash).ToList();
            var stale = live.Where(r => r.Container.SpecHash != input.SpecHash).ToList();
            var canCreate = input.UnreadyDependencies.Count == 0;

            PlanOutcome? stalled = null;
            if (desired == 0)
            {
                // Nothing to roll towards: suspended or scaled to zero removes old and new replicas alike.
                PlanSteadyState(live, desired, canCreate);
            }
            else if (stale.Count == 0)
            {
                PlanSteadyState(current, desired, canCreate);
            }
            else
            {
                stalled = PlanRollout(current, stale, desired, canCreate);
            }

            var actions = EnsureInfrastructure().Concat(_removals).Concat(_repairs).Concat(_creations).ToList();
            var outcome = stalled ?? DescribeOutcome(current, stale, desired, canCreate);
            var ready = live.Count(r => r.IsReady && !IsBeingRemoved(r));
            return new ReconcilePlan(actions, outcome, new ReplicaCounts(desired, ready), RequeueFor(outcome));
        }

        private void PlanSteadyState(List<Replica> current, int desired, bool canCreate)
        {
            // Surplus: the highest slots go first, so scaling down and up again reuses the same names.
            var surplus = current.OrderByDescending(r => r.Slot).Take(Math.Max(0, current.Count - desired)).ToList();
            foreach (var replica in surplus)
            {
                Remove(replica, desired == 0 && _spec.Suspended ? "suspended" : "scaling down");
            }

            foreach (var replica in current.Except(surplus))
            {
                Repair(replica);
            }

            if (canCreate)
            {
                for (var i = current.Count; i < desired && CanCreateMore; i++)
                {
                    Create(current.Count == 0 ? "creating" : "scaling up");
                }
            }
        }

        /// <summary>
        /// Replaces stale replicas batch by batch; returns a Degraded outcome carrying the <see cref="RolloutFailure"/>
        /// when a new replica failed within its window (<see cref="RolloutWindows"/>) and the failure action is not continue.
        /// </summary>
        private PlanOutcome? PlanRollout(List<Replica> current, List<Replica> stale, int desired, bool canCreate)
        {
            var failed = current.Where(r => HasFailedRollout(r)).ToList();
            if (failed.Count > 0 && _spec.Update.FailureAction != UpdateFailureAction.Continue)
            {
                // Stop: keep (and keep alive) the old replicas, do not touch the failed new one so it can be inspected.
                // A dead old replica stays too: removing the last old ones would silently make the failing spec the
                // steady state and hide the stalled rollout.
                foreach (var replica in stale.Where(r => r.Readiness != Readiness.Dead))
                {
                    Repair(replica);
                }

                var first = failed[0];
                return new PlanOutcome(OutcomeKind.Degraded, Reasons.RolloutStalled,
                    $"Rollout stopped: new replica {first.Container.Name} {DescribeFailure(first)}; " +
                    $"{stale.Count} replica(s) of the previous spec kept")
                {
                    Failure = new RolloutFailure(first.Container.Name, DescribeFailure(first)),
                };
            }

            // Failure action continue: a failed new replica is repaired like any other and counts as done for the
            // rollout, so the next batch starts and (start-first) an old replica goes anyway.
            var tolerated = failed.ToHashSet();

            var surplusCurrent = current.OrderByDescending(r => r.Slot).Take(Math.Max(0, current.Count - desired)).ToList();
            foreach (var replica in surplusCurrent)
            {
                Remove(replica, "scaling down");
            }

            var kept = current.Except(surplusCurrent).ToList();
            // Failed outside its window (or tolerated): repaired like any replica; the rollout waits for it.
            foreach (var replica in kept.Where(r => tolerated.Contains(r) || r.Readiness is Readiness.Unhealthy or Readiness.Exited or Readiness.Dead))
            {
                Repair(replica);
            }

            foreach (var replica in kept.Where(r => r.Readiness == Readiness.NotStarted && !tolerated.Contains(r)))
            {
                // A replica whose start failed never starts by itself; waiting for it would only run into the deadline.
                Repair(replica);
            }

            // Parallelism limits how many serving old replicas are replaced at once; slots no serving old replica
            // covers (it died, or replicas went up) are filled at once, as they would be without a rollout.
            var missing = Math.Max(0, desired - kept.Count);
            var fresh = canCreate ? Math.Max(0, missing - stale.Count(r => r.IsServing)) : 0;
            var done = kept.Where(r => tolerated.Contains(r) || IsAvailable(r)).ToList();
            var batchOpen = canCreate && done.Count == kept.Count;
            var replacements = batchOpen ? Math.Min(Math.Max(1, _spec.Update.Parallelism), missing - fresh) : 0;

            // Start-first keeps an old replica until a new one is ready in its place; stop-first frees room for the batch.
            var oldToKeep = EffectiveOrder() == UpdateOrder.StartFirst
                ? Math.Max(0, desired - done.Count)
                : Math.Max(0, missing - fresh - replacements);
            var keep = stale.Where(r => r.IsServing)
                .OrderBy(r => r.IsReady ? 0 : 1).ThenBy(r => r.Slot)
                .Take(oldToKeep)
                .ToHashSet();
            foreach (var replica in stale.Where(r => !keep.Contains(r)).OrderByDescending(r => r.Slot))
            {
                Remove(replica, replica.IsServing ? "replaced by the new spec" : "previous spec, not serving");
            }

            for (var i = 0; i < fresh + replacements && CanCreateMore; i++)
            {
                Create("rolling update");
            }

            return null;
        }

        private UpdateOrder EffectiveOrder() =>
            _spec.Ports.Any(p => p.Host is not null) ? UpdateOrder.StopFirst : _spec.Update.Order;

        private TimeSpan ReadyDeadline => RolloutWindows.ReadyDeadline(_spec.HealthCheck, settings);

        private TimeSpan MonitorWindow => RolloutWindows.MonitorWindow(_spec.HealthCheck, _spec.Update.MonitorSeconds);

        private bool HasFailedRollout(Replica replica)
        {
            var age = Age(replica);
            return replica.Readiness switch
            {
                // An exit is judged by when it happened, so the verdict does not change while the replica lies there.
                Readiness.Exited or Readiness.Dead => RunTime(replica) <= MonitorWindow,
                Readiness.Unhealthy or Readiness.Paused => age <= MonitorWindow,
                // Docker restarting it after an exit (its restart policy; the plan's own restarts are stop and start).
                Readiness.Restarting when replica.Container.RestartCount > 0 && age <= MonitorWindow => true,
                Readiness.Starting or Readiness.NotStarted or Readiness.Restarting => age > ReadyDeadline,
                _ => false,
            };
        }

        /// <summary>
        /// Ready and past monitorSeconds since its start: only then does it count for the rollout's next step. Until
        /// then the soonest moment one of these windows ends is remembered for the requeue.
        /// </summary>
        private bool IsAvailable(Replica replica)
        {
            var age = Age(replica);
            var windowEnd = replica.IsReady ? RolloutWindows.Monitor(_spec.Update.MonitorSeconds) : ReadyDeadline;
            if (age >= windowEnd)
            {
                return replica.IsReady;
            }

            var remaining = windowEnd - age;
            _nextWindowEnd = _nextWindowEnd is { } soonest && soonest < remaining ? soonest : remaining;
            return false;
        }

        private static TimeSpan RunTime(Replica replica) =>
            replica.Container is { StartedAt: { } started, FinishedAt: { } finished } && finished >= started ? finished - started : TimeSpan.Zero;

        private TimeSpan Age(Replica replica)
        {
            var since = replica.Container.StartedAt ?? replica.Container.CreatedAt;
            return since is null ? TimeSpan.Zero : input.Now - since.Value;
        }

        private string DescribeFailure(Replica replica) => replica.Readiness switch
        {
            Readiness.Unhealthy => "is unhealthy",
            Readiness.Exited => $"exited with code {replica.Container.ExitCode?.ToString() ?? "unknown"}",
            Readiness.Dead => "is dead",
            Readiness.Paused => "is paused",
            Readiness.Restarting when replica.Container.RestartCount > 0 && Age(replica) <= MonitorWindow =>
                $"exited and is being restarted (restart {replica.Container.RestartCount}) within {MonitorWindow.TotalSeconds:0}s of its start",
            _ => $"was not ready within {ReadyDeadline.TotalSeconds:0}s",
        } + (replica.Container.Error is { Length: > 0 } error ? $" ({error})" : "");

        /// <summary>Puts a broken replica back per restart policy. Plain Docker never acts on unhealthy, so we do.</summary>
        private void Repair(Replica replica)
        {
            var c = replica.Container;
            switch (replica.Readiness)
            {
                case Readiness.Unhealthy:
                    _repairs.Add(new RestartContainer(c.Id, c.Name, c.Replica, "unhealthy"));
                    break;
                case Readiness.NotStarted:
                    _repairs.Add(new RestartContainer(c.Id, c.Name, c.Replica, "created but never started"));
                    break;
                case Readiness.Exited when RestartsAfterExit(c):
                    _repairs.Add(new RestartContainer(c.Id, c.Name, c.Replica,
                        $"exited with code {c.ExitCode?.ToString() ?? "unknown"}, restartPolicy {_spec.RestartPolicy}"));
                    break;
                case Readiness.Dead when c.SpecHash == input.SpecHash:
                    _repairs.Add(new ReplaceContainer(c.Id, c.Name, Desired(c.Replica), "dead"));
                    _leaving.Add(c.Id);
                    break;
                case Readiness.Dead:
                    Remove(replica, "dead, previous spec");
                    break;
            }
        }

        /// <summary>
        /// Restarted before (a first exit is news, not a loop) and being restarted again, by Docker or by this plan,
        /// after a run shorter than the crash-loop window.
        /// </summary>
        private bool IsCrashLooping(Replica replica)
        {
            var c = replica.Container;
            var restarted = replica.Readiness switch
            {
                Readiness.Restarting => true,
                Readiness.Exited => RestartsAfterExit(c),
                Readiness.Dead => c.SpecHash == input.SpecHash,
                _ => false,
            };
            return restarted && c is { RestartCount: > 0, StartedAt: { } started, FinishedAt: { } finished }
                && finished >= started && finished - started < settings.CrashLoopWindow;
        }

        private bool RestartsAfterExit(ObservedContainer container) => _spec.RestartPolicy switch
        {
            RestartPolicy.Always => true,
            RestartPolicy.OnFailure => container.ExitCode != 0,
            _ => false,
        };

        private void Remove(Replica replica, string reason)
        {
            _removals.Add(new RemoveContainer(replica.Container.Id, replica.Container.Name, replica.Slot, reason));
            _leaving.Add(replica.Container.Id);
        }

        private bool IsBeingRemoved(Replica replica) => _leaving.Contains(replica.Container.Id);

        private bool CanCreateMore => _creations.Count < Math.Max(1, settings.MaxCreatesPerPass);

        private void Create(string reason) => _creations.Add(new CreateReplica(Desired(NextFreeSlot()), reason));

        /// <summary>
        /// The lowest slot no container holds once this plan's removals (which run first) are done. Every removal is
        /// decided before the first creation, so the occupied set is built once and the search only moves upwards:
        /// all the creations of a plan cost one pass over the containers plus one step per slot handed out.
        /// </summary>
        private int NextFreeSlot()
        {
            if (_occupiedSlots is null)
            {
                _occupiedSlots = [.. input.Observed.Select(c => c.Replica)];
                _occupiedSlots.ExceptWith(_removals.OfType<RemoveContainer>().Select(r => r.Replica));
            }

            while (_occupiedSlots.Contains(_nextSlotCandidate))
            {
                _nextSlotCandidate++;
            }

            return _nextSlotCandidate++;
        }

        private DesiredContainer Desired(int slot) => new()
        {
            Owner = input.Service.Key,
            Replica = slot,
            SpecHash = input.SpecHash,
            Spec = _spec,
            ExtraLabels = input.ExtraLabels,
        };

        private IEnumerable<ReconcileAction> EnsureInfrastructure()
        {
            // Only needed when something is about to be created; keeps a converged resource's plan empty.
            if (_creations.Count == 0 && !_repairs.OfType<ReplaceContainer>().Any())
            {
                return [];
            }

            var networks = _spec.Networks.Distinct(StringComparer.Ordinal).Select(n => (ReconcileAction)new EnsureNetwork(n));
            var volumes = _spec.Volumes.Where(v => v.Name is not null)
                .DistinctBy(v => v.Name, StringComparer.Ordinal)
                .Select(v => (ReconcileAction)new EnsureVolume(v));
            return networks.Concat(volumes);
        }

        private PlanOutcome DescribeOutcome(List<Replica> current, List<Replica> stale, int desired, bool canCreate)
        {
            var remaining = current.Where(r => !IsBeingRemoved(r)).ToList();
            var missing = desired - remaining.Count - _creations.Count;
            if (!canCreate && (missing > 0 || stale.Count > 0))
            {
                return new PlanOutcome(OutcomeKind.WaitingForDependencies, Reasons.WaitingForDependencies,
                    $"Waiting for {string.Join(", ", input.UnreadyDependencies.Order(StringComparer.Ordinal))} to be Running");
            }

            if (remaining.FirstOrDefault(IsCrashLooping) is { Container: var looping } crashing)
            {
                // Kept free of counts and durations: the same crash loop must not rewrite status on every retry.
                var exit = crashing.Readiness == Readiness.Dead ? "died" : $"exited with code {looping.ExitCode?.ToString() ?? "unknown"}";
                return new PlanOutcome(OutcomeKind.Degraded, Reasons.CrashLoopBackOff,
                    $"{looping.Name} {exit} less than {settings.CrashLoopWindow.TotalSeconds:0}s after it started; restarting it with backoff");
            }

            var broken = remaining.FirstOrDefault(r => r.Readiness is Readiness.Unhealthy or Readiness.Exited or Readiness.Dead or Readiness.Paused);
            if (broken is not null)
            {
                var c = broken.Container;
                return broken.Readiness switch
                {
                    Readiness.Unhealthy => new PlanOutcome(OutcomeKind.Degraded, Reasons.ReplicaUnhealthy,
                        $"{c.Name} is unhealthy{(c.Error is { Length: > 0 } why ? $" ({why})" : "")}; restarting it"),
                    Readiness.Dead => new PlanOutcome(OutcomeKind.Degraded, Reasons.ReplicaDead, $"{c.Name} is dead; replacing it"),
                    Readiness.Paused => new PlanOutcome(OutcomeKind.Degraded, Reasons.ReplicaPaused, $"{c.Name} is paused"),
                    _ when RestartsAfterExit(c) => new PlanOutcome(OutcomeKind.Degraded, Reasons.ReplicaExited,
                        $"{c.Name} exited with code {c.ExitCode?.ToString() ?? "unknown"}; restarting it"),
                    _ when c.ExitCode == 0 => new PlanOutcome(OutcomeKind.Degraded, Reasons.ReplicaCompleted,
                        $"{c.Name} exited with code 0 and restartPolicy {_spec.RestartPolicy} does not restart it"),
                    _ => new PlanOutcome(OutcomeKind.Degraded, Reasons.ReplicaExited,
                        $"{c.Name} exited with code {c.ExitCode?.ToString() ?? "unknown"} and restartPolicy {_spec.RestartPolicy} does not restart it"),
                };
            }

            if (stale.Count > 0)
            {
                var updated = remaining.Count(r => r.IsReady);
                return new PlanOutcome(OutcomeKind.Progressing, Reasons.RollingUpdate,
                    $"Rolling update ({_spec.Update.Order}, {Math.Max(1, _spec.Update.Parallelism)} at a time): {updated} of {desired} replica(s) updated");
            }

            if (_creations.Count > 0)
            {
                return remaining.Count == 0
                    ? new PlanOutcome(OutcomeKind.Progressing, Reasons.Creating, $"Creating {_creations.Count} replica(s)")
                    : new PlanOutcome(OutcomeKind.Progressing, Reasons.ScalingUp, $"Creating {_creations.Count} replica(s), {desired} desired");
            }

            if (_removals.Count > 0)
            {
                return new PlanOutcome(OutcomeKind.Progressing, Reasons.ScalingDown, $"Removing {_removals.Count} replica(s), {desired} desired");
            }

            var ready = remaining.Count(r => r.IsReady);
            if (ready < desired)
            {
                return new PlanOutcome(OutcomeKind.Progressing, Reasons.WaitingForReplicas, $"{ready} of {desired} replica(s) ready");
            }

            return desired == 0 && _spec.Suspended
                ? new PlanOutcome(OutcomeKind.AllReady, Reasons.Suspended, "Suspended: scaled to 0")
                : new PlanOutcome(OutcomeKind.AllReady, Reasons.AllReplicasReady, $"{ready} of {desired} replica(s) ready");
        }

        private TimeSpan? RequeueFor(PlanOutcome outcome) => outcome.Kind switch
        {
            OutcomeKind.AllReady => null,
            OutcomeKind.WaitingForDependencies => settings.DependencyRequeue,
            OutcomeKind.Degraded => settings.DegradedRequeue,
            // A tenth of a second past the window's end, so the next look finds it over.
            _ when _nextWindowEnd is { } windowEnd && windowEnd + TimeSpan.FromMilliseconds(100) < settings.ProgressRequeue
                => windowEnd + TimeSpan.FromMilliseconds(100),
            _ => settings.ProgressRequeue,
        };

        private static Readiness Classify(ObservedContainer c) => c.State switch
        {
            ContainerState.Running => c.Health switch
            {
                ContainerHealth.Starting => Readiness.Starting,
                ContainerHealth.Unhealthy => Readiness.Unhealthy,
                _ => Readiness.Ready,
            },
            ContainerState.Created => Readiness.NotStarted,
            ContainerState.Restarting => Readiness.Restarting,
            ContainerState.Paused => Readiness.Paused,
            ContainerState.Dead => Readiness.Dead,
            _ => Readiness.Exited,
        };
    }
}
