using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Planning;

/// <summary>Create and start a replica in the given slot (Container.Replica).</summary>
public sealed record CreateReplica(DesiredContainer Container, string Reason) : ReconcileAction
{
    public override string Describe() => $"create {Container.ContainerName} ({Reason})";
}
