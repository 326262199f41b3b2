using Microsoft.Extensions.Logging.Abstractions;
using ZonaProcessManager.Cli.Hosting;
using ZonaProcessManager.Docker;
using ZonaProcessManager.Docker.Swarm;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Cli.Diff;

/// <summary>
/// The engine side of a diff: reads what runs of a service now (its containers by the zpm labels, or its Swarm service
/// and tasks) and asks the operator's planner what it would do (<see cref="ServicePlanPreview"/>). Only reads: list and
/// inspect calls. The runtime is chosen on first use, and an engine that does not answer is asked only once: every
/// later service says the plan was not computed, with the same reason.
/// </summary>
/// <remarks>
/// The planner runs with the default <see cref="PlannerSettings"/>, so a spec is judged by the default isolation policy
/// (the operator's --allow-host-path and --allow-host-ip are not known here).
/// </remarks>
public sealed class PreviewRuntime(Func<CancellationToken, Task<WorkloadRuntimeChoice>> choose, Uri? dockerEndpoint, TimeProvider time) : IDisposable
{
    private readonly ReconcilePlanner _planner = new(PlannerSettings.Default);
    private bool _chosen;
    private string? _unavailable;
    private DockerContainerRuntime? _docker;
    private SwarmWorkloadRuntime? _swarm;

    /// <summary>"docker" or "swarm" and the preview's lines, or "…" and one line saying why there is no plan.</summary>
    public async Task<(string Runtime, IReadOnlyList<string> Lines)> PreviewAsync(DesiredWorkload desired, string? storedSpecHash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(desired);
        await ChooseAsync(cancellationToken);
        if (_unavailable is not null)
        {
            return (Name, [NotComputed(_unavailable)]);
        }

        try
        {
            if (_swarm is not null)
            {
                var workload = await _swarm.ObserveAsync(desired.Owner, cancellationToken);
                return (Name, ServicePlanPreview.Swarm(_swarm, desired, workload, time.GetUtcNow()));
            }

            var containers = await _docker!.ListAsync(desired.Owner, cancellationToken);
            return (Name, ServicePlanPreview.SingleHost(_planner, desired, storedSpecHash, containers, time.GetUtcNow()));
        }
        catch (ContainerRuntimeException exception)
        {
            _unavailable = $"the Docker engine did not answer ({exception.Message})";
            return (Name, [NotComputed(_unavailable)]);
        }
    }

    private string Name => _swarm is not null ? "swarm" : "docker";

    private static string NotComputed(string reason) => $"plan not computed: {reason}";

    private async Task ChooseAsync(CancellationToken cancellationToken)
    {
        if (_chosen)
        {
            return;
        }

        _chosen = true;
        WorkloadRuntimeChoice choice;
        try
        {
            choice = await choose(cancellationToken);
        }
        catch (Exception exception) when (exception is ContainerRuntimeException or NotASwarmManagerException or InvalidOperationException)
        {
            _unavailable = exception.Message;
            return;
        }

        if (choice.Kind == WorkloadRuntimeKind.Swarm)
        {
            _swarm = SwarmWorkloadRuntime.Create(choice.Swarm ?? new SwarmRuntimeOptions(), NullLogger<SwarmWorkloadRuntime>.Instance, dockerEndpoint, time);
        }
        else
        {
            _docker = DockerContainerRuntime.Create(endpoint: dockerEndpoint, time: time);
        }
    }

    public void Dispose()
    {
        _docker?.Dispose();
        _swarm?.Dispose();
    }
}
