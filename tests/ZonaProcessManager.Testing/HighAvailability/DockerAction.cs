namespace ZonaProcessManager.Testing.HighAvailability;

/// <summary>One request that changes something in the Docker engine, as an operator process sent it.</summary>
/// <param name="Instance">The operator process (instance and incarnation, e.g. "b#2") whose relay carried it.</param>
/// <param name="At">When the request line reached the relay, before the engine saw it.</param>
/// <param name="Method">POST, PUT or DELETE.</param>
/// <param name="Path">The API path without the version prefix, e.g. /containers/create?name=….</param>
public sealed record DockerAction(string Instance, DateTimeOffset At, string Method, string Path)
{
    /// <summary>A container create (the action a duplicate would come from).</summary>
    public bool IsContainerCreate => Path.StartsWith("/containers/create", StringComparison.Ordinal);

    public override string ToString() => $"{At:HH:mm:ss.fff} {Instance} {Method} {Path}";
}
