namespace ZonaProcessManager.Domain.Planning;

/// <summary>Make sure a Docker network exists before a replica that joins it is created.</summary>
public sealed record EnsureNetwork(string Name) : ReconcileAction
{
    public override string Describe() => $"ensure network {Name}";
}
