using ZonaProcessManager.Docker.Swarm;

namespace ZonaProcessManager.Cli.Hosting;

/// <summary>
/// Which workload runtime the composition root registers, and why it was chosen (printed by `zpm run`). CLI-only: the
/// operator core sees nothing but the <see cref="Domain.Ports.IWorkloadRuntime"/> it gets.
/// </summary>
/// <param name="Swarm">The Swarm runtime's options (tenant network encryption, publish mode); null for Docker.</param>
public sealed record WorkloadRuntimeChoice(WorkloadRuntimeKind Kind, string Reason, SwarmRuntimeOptions? Swarm = null)
{
    /// <summary>The single-host runtime, what a host built without a choice runs (tests, benchmarks).</summary>
    public static WorkloadRuntimeChoice SingleHost { get; } = new(WorkloadRuntimeKind.Docker, "the default single-host runtime");

    /// <summary>"swarm (the engine is …)": the line `zpm run` prints.</summary>
    public string Describe() => $"{(Kind == WorkloadRuntimeKind.Swarm ? "swarm" : "docker")} ({Reason})";
}
