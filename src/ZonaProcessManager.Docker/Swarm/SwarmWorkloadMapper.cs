using Docker.DotNet.Models;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Docker.Swarm;

/// <summary>
/// Pure mapping of Swarm services and their tasks to observed workloads (no I/O, unit-tested): what one service list and
/// one task list say about every owner.
/// </summary>
/// <remarks>
/// A replica is a current task: one Swarm still wants (desired state up to running). Its node is the Swarm node ID:
/// node hostnames need not be unique (every node of a one-machine lab has the machine's), IDs are, and `docker node ls`
/// or `zpm get nodes` names each. A task that is not running shows the error of its own, or else of the last task of its
/// slot that failed (Swarm replaces a failed task with another that carries no error while it waits to restart).
/// </remarks>
public static class SwarmWorkloadMapper
{
    public static IReadOnlyList<ObservedWorkload> Map(IEnumerable<SwarmService> services, IEnumerable<TaskResponse> tasks)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(tasks);
        var tasksByService = tasks.Where(t => t.ServiceID is not null).ToLookup(t => t.ServiceID, StringComparer.Ordinal);
        var workloads = new List<ObservedWorkload>();
        foreach (var service in services)
        {
            if (Map(service, tasksByService[service.ID]) is { } workload)
            {
                workloads.Add(workload);
            }
        }

        // One per owner: two services claiming one owner (made by hand) would confuse every later step; the oldest wins.
        return [.. workloads.GroupBy(w => w.Owner).Select(g => g.First())
            .OrderBy(w => w.Owner.Kind, StringComparer.Ordinal)
            .ThenBy(w => w.Owner.Tenant, StringComparer.Ordinal)
            .ThenBy(w => w.Owner.Name, StringComparer.Ordinal)];
    }

    /// <summary>One service and its tasks; null when the service is not zpm's.</summary>
    public static ObservedWorkload? Map(SwarmService service, IEnumerable<TaskResponse> tasks)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(tasks);
        if (OwnerOf(service.Spec?.Labels) is not { } owner)
        {
            return null;
        }

        var specHash = service.Spec!.Labels.TryGetValue(ZpmLabels.SpecHash, out var hash) ? hash : null;
        var all = tasks.OrderBy(t => t.Slot ?? 0).ThenBy(t => t.CreatedAt ?? DateTime.MinValue).ThenBy(t => t.ID, StringComparer.Ordinal).ToList();
        var current = all.Where(IsCurrent).ToList();
        var serviceName = service.Spec.Name ?? owner.Name;
        var replicas = current.Select(t => ToReplica(serviceName, t, all)).ToList();
        var ready = current.Where(t => t.Status?.State == TaskState.Running && SpecHashOf(t) == specHash)
            .Select(t => t.Slot ?? 0).Distinct().Count();
        return new ObservedWorkload
        {
            Owner = owner,
            SpecHash = specHash,
            Replicas = replicas,
            ReportedCounts = new ReplicaCounts((int)(service.Spec.Mode?.Replicated?.Replicas ?? 0), ready),
            Rollout = RolloutOf(service, specHash, all),
        };
    }

    public static ResourceKey? OwnerOf(IDictionary<string, string>? labels) =>
        labels is not null && labels.TryGetValue(ZpmLabels.Managed, out var managed) && managed == "true"
            ? ObservedContainerMapper.OwnerFromLabels(labels)
            : null;

    /// <summary>A task Swarm still wants to run: not one it is shutting down or has given up.</summary>
    public static bool IsCurrent(TaskResponse task) => task.DesiredState is { } desired && desired <= TaskState.Running;

    /// <summary>Swarm's word for a state, as the API spells it (running, preparing, rejected).</summary>
    public static string StateWord(TaskState? state) => state?.ToString().ToLowerInvariant() ?? "unknown";

    private static WorkloadReplica ToReplica(string serviceName, TaskResponse task, IReadOnlyList<TaskResponse> all)
    {
        var slot = (int)(task.Slot ?? 0);
        var state = task.Status?.State;
        var hasCheck = task.Spec?.ContainerSpec?.Healthcheck?.Test is { Count: > 0 } test && test[0] != "NONE";
        // Swarm starts a task with a health check as "starting" and reports it running only once the check passed.
        var health = !hasCheck ? "none" : state == TaskState.Running ? "healthy" : state == TaskState.Starting ? "starting" : "none";
        return new WorkloadReplica(
            task.ID,
            $"{serviceName}.{slot}",
            slot,
            StateWord(state),
            health,
            Node: string.IsNullOrEmpty(task.NodeID) ? "" : task.NodeID,
            Error: state == TaskState.Running ? null : ErrorOf(task, all));
    }

    private static string? ErrorOf(TaskResponse task, IReadOnlyList<TaskResponse> all)
    {
        if (!string.IsNullOrWhiteSpace(task.Status?.Err))
        {
            return task.Status!.Err;
        }

        return all.Where(t => t.Slot == task.Slot && !ReferenceEquals(t, task) && (t.CreatedAt ?? DateTime.MinValue) <= (task.CreatedAt ?? DateTime.MaxValue)
                && t.Status?.State is TaskState.Failed or TaskState.Rejected && !string.IsNullOrWhiteSpace(t.Status.Err))
            .Select(t => t.Status!.Err)
            .LastOrDefault();
    }

    private static string? SpecHashOf(TaskResponse task) =>
        task.Spec?.ContainerSpec?.Labels is { } labels && labels.TryGetValue(ZpmLabels.SpecHash, out var hash) ? hash : null;

    /// <summary>
    /// Swarm's update status. An automatic rollback puts the previous spec back and forgets the failed one (PreviousSpec
    /// is cleared), so the failed spec's hash is read from the newest task that ran another spec than the service's.
    /// </summary>
    private static WorkloadRollout RolloutOf(SwarmService service, string? specHash, IReadOnlyList<TaskResponse> all)
    {
        var status = service.UpdateStatus;
        var state = status?.State switch
        {
            "updating" => RolloutState.Updating,
            "paused" => RolloutState.Paused,
            "completed" => RolloutState.Completed,
            "rollback_started" => RolloutState.RollingBack,
            "rollback_paused" => RolloutState.RollbackPaused,
            "rollback_completed" => RolloutState.RolledBack,
            _ => RolloutState.None,
        };
        string? rolledBackFrom = null;
        if (state is RolloutState.RollingBack or RolloutState.RollbackPaused or RolloutState.RolledBack)
        {
            rolledBackFrom = all.Where(t => SpecHashOf(t) is { } hash && hash != specHash)
                .OrderBy(t => t.CreatedAt ?? DateTime.MinValue)
                .Select(SpecHashOf)
                .LastOrDefault();
        }

        var changedAt = service.UpdatedAt is { } updated ? new DateTimeOffset(updated.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(updated, DateTimeKind.Utc) : updated) : (DateTimeOffset?)null;
        return new WorkloadRollout(state, string.IsNullOrWhiteSpace(status?.Message) ? null : status.Message, rolledBackFrom, changedAt);
    }
}
