using System.CommandLine;
using ZonaProcessManager.Cli.Hosting;
using ZonaProcessManager.Docker.Swarm;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>
/// `--runtime docker|swarm|auto`, `--tenant-network-encrypted` and `--swarm-publish host|ingress` of `zpm run`: which
/// backend drives the workloads, and how the Swarm one builds tenant networks and publishes ports. The choice needs the
/// engine's answer (is it an active Swarm manager?), so it is made once, at start, by <see cref="ChooseAsync"/>.
/// </summary>
public sealed class RuntimeOptions
{
    public const string Docker = "docker";
    public const string Swarm = "swarm";
    public const string Auto = "auto";

    public Option<string> Runtime { get; } = new("--runtime")
    {
        Description = "Workload backend: docker (containers on one engine), swarm (Swarm services; the engine must be an active Swarm manager) "
            + "or auto (swarm when the engine is an active Swarm manager, else docker)",
        DefaultValueFactory = _ => Auto,
    };

    public Option<bool> TenantNetworkEncrypted { get; } = new("--tenant-network-encrypted")
    {
        Description = "On Swarm, encrypt tenant overlay networks between nodes (IPsec). Default: not encrypted",
    };

    public Option<string> SwarmPublish { get; } = new("--swarm-publish")
    {
        Description = "On Swarm, publish host ports on the node of each task (host) or on every node through the routing mesh "
            + "(ingress; needs IPVS in every node's kernel)",
        DefaultValueFactory = _ => "host",
    };

    public RuntimeOptions()
    {
        Runtime.AcceptOnlyFromAmong(Docker, Swarm, Auto);
        SwarmPublish.AcceptOnlyFromAmong("host", "ingress");
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Runtime);
        command.Options.Add(TenantNetworkEncrypted);
        command.Options.Add(SwarmPublish);
    }

    /// <summary>
    /// The runtime to register. docker never asks the engine. swarm asks, and fails with
    /// <see cref="NotASwarmManagerException"/> unless the engine is an active Swarm manager (or with the engine's error
    /// when it does not answer). auto takes swarm exactly when the engine answers that it is an active manager; an
    /// engine that does not answer gives docker, whose runtime waits for the engine like it always has.
    /// </summary>
    /// <param name="probe">Asks the engine (<see cref="SwarmEngineProbe.ProbeAsync(Uri?, CancellationToken, TimeSpan?)"/> in `zpm run`).</param>
    public async Task<WorkloadRuntimeChoice> ChooseAsync(ParseResult parseResult, Func<CancellationToken, Task<SwarmEngineState>> probe, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(probe);
        var requested = parseResult.GetValue(Runtime)!;
        var swarmOptions = new SwarmRuntimeOptions
        {
            EncryptedTenantNetworks = parseResult.GetValue(TenantNetworkEncrypted),
            PublishMode = parseResult.GetValue(SwarmPublish) == "ingress" ? SwarmPublishMode.Ingress : SwarmPublishMode.Host,
        };
        var swarmOnly = SwarmOnlyOptionsGiven(parseResult);
        if (requested == Docker)
        {
            if (swarmOnly.Count > 0)
            {
                throw new CliUsageException($"{string.Join(" and ", swarmOnly)} apply to the swarm runtime only, not to --runtime docker");
            }

            return new WorkloadRuntimeChoice(WorkloadRuntimeKind.Docker, "--runtime docker");
        }

        if (requested == Swarm)
        {
            SwarmEngineState state;
            try
            {
                state = await probe(cancellationToken).ConfigureAwait(false);
            }
            catch (ContainerRuntimeException unreachable)
            {
                throw new InvalidOperationException($"--runtime swarm: cannot ask the Docker engine whether it is a Swarm manager: {unreachable.Message}", unreachable);
            }

            return state.IsActiveManager
                ? new WorkloadRuntimeChoice(WorkloadRuntimeKind.Swarm, $"--runtime swarm; the engine is {state.Describe()}", swarmOptions)
                : throw new NotASwarmManagerException("--runtime swarm", state);
        }

        try
        {
            var state = await probe(cancellationToken).ConfigureAwait(false);
            if (state.IsActiveManager)
            {
                return new WorkloadRuntimeChoice(WorkloadRuntimeKind.Swarm, $"--runtime auto: the engine is {state.Describe()}", swarmOptions);
            }

            return new WorkloadRuntimeChoice(WorkloadRuntimeKind.Docker, $"--runtime auto: the engine is {state.Describe()}{Ignored(swarmOnly)}");
        }
        catch (ContainerRuntimeException unreachable)
        {
            return new WorkloadRuntimeChoice(
                WorkloadRuntimeKind.Docker,
                $"--runtime auto: the engine did not say whether it is a Swarm manager ({unreachable.EngineMessage}); "
                + $"the single-host runtime waits for it, --runtime swarm insists on Swarm{Ignored(swarmOnly)}");
        }
    }

    private List<string> SwarmOnlyOptionsGiven(ParseResult parseResult)
    {
        var given = new List<string>();
        if (parseResult.GetValue(TenantNetworkEncrypted))
        {
            given.Add(TenantNetworkEncrypted.Name);
        }

        if (parseResult.GetResult(SwarmPublish) is { Implicit: false })
        {
            given.Add(SwarmPublish.Name);
        }

        return given;
    }

    private static string Ignored(List<string> swarmOnly) =>
        swarmOnly.Count == 0 ? "" : $"; {string.Join(" and ", swarmOnly)} ignored (swarm runtime only)";
}
