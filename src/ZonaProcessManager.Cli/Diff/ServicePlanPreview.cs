using System.Globalization;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Domain.Planning.Swarm;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Cli.Diff;

/// <summary>
/// What the operator would do on the engine for a ServiceSpec, in words, from the operator's own planners: no I/O, the
/// observed workload is read beforehand. Nothing in it ever shows an env value.
/// </summary>
/// <remarks>
/// The single-host planner plans one step at a time (a rollout's next batch, at most <see cref="PlannerSettings.MaxCreatesPerPass"/>
/// creates), so the preview plans again on the result of each step, as the operator does after each one, taking every
/// new replica as started and ready, until the plan is empty: the sum of the steps is the whole rollout. A replica that
/// would fail is not foreseen; the operator then stops the rollout as the README says.
/// </remarks>
public static class ServicePlanPreview
{
    private const string PlannedIdPrefix = "planned:";

    /// <param name="storedSpecHash">The spec hash of the stored document, null when there is none (a new service).</param>
    public static IReadOnlyList<string> SingleHost(
        ReconcilePlanner planner, DesiredWorkload desired, string? storedSpecHash, IReadOnlyList<ObservedContainer> observed, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(planner);
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(observed);
        var lines = new List<string>();
        if (storedSpecHash is not null)
        {
            lines.Add(storedSpecHash == desired.SpecHash
                ? $"spec hash unchanged ({desired.SpecHash}): no field that defines a container changed, so no container is replaced for it"
                : $"spec hash {storedSpecHash} → {desired.SpecHash}: containers of the previous spec are replaced");
        }

        var simulation = Simulate(planner, desired, observed, now);
        if (simulation.Invalid is { } invalid)
        {
            lines.Add($"invalid, nothing would be created: {invalid}");
            return lines;
        }

        var spec = desired.Service.Spec;
        var staleRemoved = simulation.Removed.Where(r => r.Stale).OrderBy(r => r.Replica).ToList();
        var replacements = Math.Min(staleRemoved.Count, simulation.Created.Count);
        if (replacements > 0)
        {
            var order = spec.Ports.Any(p => p.Host is not null) ? UpdateOrder.StopFirst : spec.Update.Order;
            var pairs = staleRemoved.Take(replacements).Zip(simulation.Created.Take(replacements), (old, next) => $"{old.Name} → {next}");
            lines.Add($"replace {replacements} container(s) (rolling update, {ServiceDocumentMapper.ToDocumentValue(order)}, "
                + $"{Math.Max(1, spec.Update.Parallelism)} at a time): {string.Join(", ", pairs)}");
        }

        if (simulation.Created.Count > replacements)
        {
            lines.Add($"create {simulation.Created.Count - replacements} container(s): {string.Join(", ", simulation.Created.Skip(replacements))}");
        }

        foreach (var group in simulation.Removed.Where(r => !r.Stale).Concat(staleRemoved.Skip(replacements)).GroupBy(r => r.Reason))
        {
            lines.Add($"remove {group.Count()} container(s) ({group.Key}): {string.Join(", ", group.OrderBy(r => r.Replica).Select(r => r.Name))}");
        }

        foreach (var group in simulation.Restarted.GroupBy(r => r.Reason))
        {
            lines.Add($"restart {group.Count()} container(s) ({group.Key}): {string.Join(", ", group.Select(r => r.Name))}");
        }

        if (simulation.ReplacedDead.Count > 0)
        {
            lines.Add($"replace {simulation.ReplacedDead.Count} dead container(s): {string.Join(", ", simulation.ReplacedDead)}");
        }

        lines.AddRange(simulation.Infrastructure);
        if (simulation.Created.Count > 0 || simulation.ReplacedDead.Count > 0)
        {
            lines.AddRange(spec.Ports.Select(HostPort));
        }

        if (simulation.Waiting is { } waiting)
        {
            lines.Add(waiting);
        }

        if (simulation.Stopped)
        {
            lines.Add($"(preview stopped after {simulation.Passes} planning passes)");
        }

        if (simulation.Created.Count == 0 && simulation.Removed.Count == 0 && simulation.Restarted.Count == 0 && simulation.ReplacedDead.Count == 0)
        {
            lines.Add("no container is created, replaced or removed");
        }

        return lines;
    }

    /// <summary>The Swarm runtime's one plan: create or update the service (Swarm then rolls its tasks), or nothing.</summary>
    public static IReadOnlyList<string> Swarm(IWorkloadPlanner planner, DesiredWorkload desired, ObservedWorkload observed, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(planner);
        ArgumentNullException.ThrowIfNull(desired);
        var plan = planner.Plan(desired, observed, now);
        var lines = new List<string>();
        if (plan.Outcome.Kind == OutcomeKind.Invalid)
        {
            lines.Add($"invalid, nothing would be created: {plan.Outcome.Message}");
            return lines;
        }

        if (plan.Outcome.Kind is OutcomeKind.TearingDown or OutcomeKind.Removed)
        {
            lines.Add(plan.Outcome.Message);
            return lines;
        }

        var spec = desired.Service.Spec;
        foreach (var action in plan.Actions)
        {
            lines.Add(action switch
            {
                UpdateSwarmService { ScaleOnly: false } update => $"{update.Describe()}; Swarm replaces the tasks "
                    + $"({ServiceDocumentMapper.ToDocumentValue(spec.Update.Order)}, {Math.Max(1, spec.Update.Parallelism)} at a time, "
                    + $"on failure {ServiceDocumentMapper.ToDocumentValue(spec.Update.FailureAction)})",
                UpdateSwarmService scale => $"{scale.Describe()}; no task is replaced",
                _ => action.Describe(),
            });
        }

        if (plan.Actions.Any(a => a is CreateSwarmService or UpdateSwarmService { ScaleOnly: false }))
        {
            lines.AddRange(spec.Ports.Select(port => port.Host is { } host
                ? $"host port {host}/{port.Protocol} → container port {port.Container} (fixed)"
                : $"host port for container port {port.Container}/{port.Protocol}: allocated by Swarm"));
        }

        if (plan.Outcome.Kind == OutcomeKind.WaitingForDependencies)
        {
            lines.Add(plan.Outcome.Message);
        }

        if (!plan.HasActions && plan.Outcome.Kind != OutcomeKind.WaitingForDependencies)
        {
            lines.Add("no change to the swarm service");
        }

        return lines;
    }

    private static string HostPort(PortSpec port) => port.Host is { } host
        ? $"host port {port.HostIp}:{host}/{port.Protocol} → container port {port.Container} (fixed)"
        : $"host port for container port {port.Container}/{port.Protocol}: auto, a free port on {port.HostIp} chosen by Docker at start";

    private sealed record Removal(string Name, int Replica, string Reason, bool Stale);

    private sealed class Simulation
    {
        public List<string> Created { get; } = [];
        public List<Removal> Removed { get; } = [];
        public List<(string Name, string Reason)> Restarted { get; } = [];
        public List<string> ReplacedDead { get; } = [];
        public List<string> Infrastructure { get; } = [];
        public string? Invalid { get; set; }
        public string? Waiting { get; set; }
        public bool Stopped { get; set; }
        public int Passes { get; set; }
    }

    private static Simulation Simulate(ReconcilePlanner planner, DesiredWorkload desired, IReadOnlyList<ObservedContainer> observed, DateTimeOffset now)
    {
        var result = new Simulation();
        var running = observed.ToList();
        var original = observed.ToDictionary(c => c.Id, StringComparer.Ordinal);
        var maxPasses = Math.Min(5000, (2 * (observed.Count + Math.Max(0, desired.Service.Spec.Replicas))) + 20);
        var restarted = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var plan = planner.Plan(desired, ObservedWorkload.OfContainers(desired.Owner, running), now);
            switch (plan.Outcome.Kind)
            {
                case OutcomeKind.Invalid:
                    result.Invalid = plan.Outcome.Message;
                    return result;
                case OutcomeKind.WaitingForDependencies:
                    result.Waiting = plan.Outcome.Message + " (nothing new starts until then)";
                    break;
            }

            if (!plan.HasActions)
            {
                return result;
            }

            if (++result.Passes > maxPasses)
            {
                result.Stopped = true;
                return result;
            }

            foreach (var action in plan.Actions)
            {
                switch (action)
                {
                    case EnsureNetwork network when !result.Infrastructure.Contains($"ensure network {network.Name}"):
                        result.Infrastructure.Add($"ensure network {network.Name}");
                        break;
                    case EnsureVolume volume when !result.Infrastructure.Contains($"ensure volume {volume.Volume.Name}"):
                        result.Infrastructure.Add($"ensure volume {volume.Volume.Name}");
                        break;
                    case CreateReplica create:
                        result.Created.Add(create.Container.ContainerName);
                        running.Add(Started(create.Container, now));
                        break;
                    case RemoveContainer remove:
                        running.RemoveAll(c => c.Id == remove.ContainerId);
                        if (original.TryGetValue(remove.ContainerId, out var removed))
                        {
                            result.Removed.Add(new Removal(removed.Name, removed.Replica, remove.Reason, removed.SpecHash != desired.SpecHash));
                        }
                        else
                        {
                            result.Created.Remove(remove.ContainerName);
                        }

                        break;
                    case ReplaceContainer replace:
                        running.RemoveAll(c => c.Id == replace.ContainerId);
                        running.Add(Started(replace.Replacement, now));
                        result.ReplacedDead.Add(replace.ContainerName);
                        break;
                    case RestartContainer restart:
                        var index = running.FindIndex(c => c.Id == restart.ContainerId);
                        if (index >= 0)
                        {
                            running[index] = running[index] with { State = ContainerState.Running, Health = ContainerHealth.None, ExitCode = null, RestartCount = 0 };
                        }

                        if (restarted.Add(restart.ContainerId))
                        {
                            result.Restarted.Add((restart.ContainerName, restart.Reason));
                        }

                        break;
                }
            }
        }
    }

    /// <summary>
    /// How long ago a replica the preview starts is taken to have started: it came up healthy and stayed so past any
    /// rollout monitor window, since the preview cannot foresee a failure and the next batch waits for that window.
    /// </summary>
    private static readonly TimeSpan SimulatedUptime = TimeSpan.FromDays(1);

    private static ObservedContainer Started(DesiredContainer container, DateTimeOffset now) => new()
    {
        Id = PlannedIdPrefix + container.ContainerName + ":" + container.Replica.ToString(CultureInfo.InvariantCulture),
        Name = container.ContainerName,
        Owner = container.Owner,
        Replica = container.Replica,
        SpecHash = container.SpecHash,
        State = ContainerState.Running,
        Health = ContainerHealth.None,
        StartedAt = now - SimulatedUptime,
        CreatedAt = now - SimulatedUptime,
    };
}
