namespace ZonaProcessManager.Docker;

/// <summary>Tunables of <see cref="DockerContainerRuntime"/>; the defaults follow Docker's own where one exists.</summary>
public sealed record DockerRuntimeOptions
{
    /// <summary>Time a container gets between SIGTERM and SIGKILL on remove/restart (Docker's default is 10 s).</summary>
    public TimeSpan StopGracePeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Deadline of every Docker call but the event stream (which is long-lived and reconnects when it breaks). A
    /// healthy engine answers a list, inspect, create or start within a second or two even when busy; a call it
    /// never answers (a runc that hangs) would otherwise hold a reconcile worker for good. Stop, restart and remove
    /// get <see cref="StopGracePeriod"/> on top. Missing it is ContainerRuntimeException kind Unavailable.
    /// </summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Host address ports are published on when a port spec names none: never all interfaces by accident.</summary>
    public string DefaultHostIp { get; init; } = "127.0.0.1";

    /// <summary>How many containers are inspected at once when listing (the list API lacks restart count and start time).</summary>
    public int ListInspectParallelism { get; init; } = 8;

    /// <summary>First wait before reconnecting the event stream after it broke; doubles up to <see cref="EventReconnectMaxDelay"/>.</summary>
    public TimeSpan EventReconnectInitialDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan EventReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// When true, a spec's http or tcp health check is not given to Docker: the container gets no Docker health check
    /// (not the image's either) and the label zpm.probe, and the operator probes it from the host. Exec checks stay
    /// Docker's. Default false, Docker's health checks, because this adapter alone probes nothing; the operator's
    /// composition root sets it from its probe mode (operator by default).
    /// </summary>
    public bool OperatorProbes { get; init; }
}
