using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Integrations;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Controllers;

namespace ZonaProcessManager.Operator.Workloads;

/// <summary>What running a plan's steps did.</summary>
/// <param name="Error">The engine's message for the step that failed (secret values masked); null when all ran.</param>
/// <param name="FailedStep">That step, described.</param>
/// <param name="Started">Ids of the containers this run created and started, in order.</param>
public sealed record PlanExecution(string? Error, string? FailedStep, IReadOnlyList<string> Started);

/// <summary>
/// Runs a single-host plan's steps against the container engine, each logged once with the resource key. Only a
/// <see cref="ContainerRuntimeException"/> is the engine refusing a step: it stops the plan (later steps assumed the
/// earlier ones worked) and is reported. An unreachable engine, a cancellation or any other exception (a bug)
/// propagates: the queue worker logs it once with its stack and retries.
/// </summary>
public sealed class ContainerPlanExecutor(IContainerRuntime runtime, ExpectedContainerStarts expectedStarts, ILogger logger)
{
    public async Task<PlanExecution> ExecuteAsync(
        ResourceKey key, IReadOnlyList<ReconcileAction> actions, IReadOnlyCollection<string> secretValues, CancellationToken cancellationToken)
    {
        var labels = OwnershipLabels(key);
        var started = new List<string>();
        foreach (var action in actions)
        {
            logger.LogInformation("{Resource} docker: {Action}", key, action.Describe());
            try
            {
                switch (action)
                {
                    case EnsureNetwork network:
                        await runtime.EnsureNetworkAsync(network.Name, labels, cancellationToken).ConfigureAwait(false);
                        break;
                    case EnsureVolume volume:
                        await runtime.EnsureVolumeAsync(volume.Volume, labels, cancellationToken).ConfigureAwait(false);
                        break;
                    case CreateReplica create:
                        started.Add(await CreateAndStartExpectedAsync(create.Container, cancellationToken).ConfigureAwait(false));
                        break;
                    case RemoveContainer remove:
                        await runtime.RemoveAsync(remove.ContainerId, cancellationToken).ConfigureAwait(false);
                        break;
                    case RestartContainer restart:
                        await runtime.RestartAsync(restart.ContainerId, cancellationToken).ConfigureAwait(false);
                        break;
                    case ReplaceContainer replace:
                        await runtime.RemoveAsync(replace.ContainerId, cancellationToken).ConfigureAwait(false);
                        started.Add(await CreateAndStartExpectedAsync(replace.Replacement, cancellationToken).ConfigureAwait(false));
                        break;
                    default:
                        throw new NotSupportedException($"Unknown reconcile action {action.GetType().Name}");
                }
            }
            catch (ContainerRuntimeException exception) when (exception.Kind != ContainerRuntimeErrorKind.Unavailable)
            {
                // Docker may echo a container's config in its message; an integration's secret values must not travel on.
                var message = SecretRedactor.RedactText(exception.Message, secretValues);
                logger.LogWarning("{Resource} docker: {Action} failed: {Error}", key, action.Describe(), message);
                return new PlanExecution(message, action.Describe(), started);
            }
        }

        return new PlanExecution(null, null, started);
    }

    /// <summary>Creates and starts a container whose start event this reconcile will have seen the result of.</summary>
    private async Task<string> CreateAndStartExpectedAsync(DesiredContainer container, CancellationToken cancellationToken)
    {
        expectedStarts.Expect(container.ContainerName);
        try
        {
            return await runtime.CreateAndStartAsync(container, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            expectedStarts.Forget(container.ContainerName);
            throw;
        }
    }

    private static Dictionary<string, string> OwnershipLabels(ResourceKey key) => new()
    {
        [ZpmLabels.Managed] = "true",
        [ZpmLabels.Tenant] = key.Tenant,
        [ZpmLabels.Name] = key.Name,
        [ZpmLabels.Kind] = key.Kind,
    };
}
