namespace ZonaProcessManager.Docker;

/// <summary>Tunables of <see cref="DockerContainerRuntime"/>; the defaults follow Docker's own where one exists.</summary>
public sealed record DockerRuntimeOptions
{
    /// <summary>Time a container gets between SIGTERM and SIGKILL on remove/restart (Docker's default is 10 s).</summary>
    public TimeSpan StopGracePeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Host address ports are published on when a port spec names none: never all interfaces by accident.</summary>
    public string DefaultHostIp { get; init; } = "127.0.0.1";

    /// <summary>How many containers are inspected at once when listing (the list API lacks restart count and start time).</summary>
    public int ListInspectParallelism { get; init; } = 8;

    /// <summary>First wait before reconnecting the event stream after it broke; doubles up to <see cref="EventReconnectMaxDelay"/>.</summary>
    public TimeSpan EventReconnectInitialDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan EventReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(30);
}
