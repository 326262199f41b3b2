using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Planning;

/// <summary>One step of a reconcile plan. Plans are ordered: the executor runs the actions in sequence.</summary>
public abstract record ReconcileAction
{
    /// <summary>A one-line, log-friendly description (never contains env values).</summary>
    public abstract string Describe();
}

/// <summary>Make sure a Docker network exists before a replica that joins it is created.</summary>
public sealed record EnsureNetwork(string Name) : ReconcileAction
{
    public override string Describe() => $"ensure network {Name}";
}

/// <summary>Make sure a named volume exists (with its driver options) before a replica that mounts it is created.</summary>
public sealed record EnsureVolume(VolumeSpec Volume) : ReconcileAction
{
    public override string Describe() => $"ensure volume {Volume.Name}";
}

/// <summary>Create and start a replica in the given slot (Container.Replica).</summary>
public sealed record CreateReplica(DesiredContainer Container, string Reason) : ReconcileAction
{
    public override string Describe() => $"create {Container.ContainerName} ({Reason})";
}

/// <summary>Stop and remove a container (named volumes are kept).</summary>
public sealed record RemoveContainer(string ContainerId, string ContainerName, int Replica, string Reason) : ReconcileAction
{
    public override string Describe() => $"remove {ContainerName} ({Reason})";
}

/// <summary>Restart a container in place: same container, same spec (exited per restart policy, or unhealthy).</summary>
public sealed record RestartContainer(string ContainerId, string ContainerName, int Replica, string Reason) : ReconcileAction
{
    public override string Describe() => $"restart {ContainerName} ({Reason})";
}

/// <summary>Remove a container that cannot be restarted (dead) and create its slot again; remove first, then create.</summary>
public sealed record ReplaceContainer(string ContainerId, string ContainerName, DesiredContainer Replacement, string Reason)
    : ReconcileAction
{
    public override string Describe() => $"replace {ContainerName} ({Reason})";
}
