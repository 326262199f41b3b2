namespace ZonaProcessManager.Benchmarks.Simulation;

/// <summary>
/// What each Docker Engine call costs in the simulation. Create and start are the figures a busybox container takes on
/// this kind of machine; a list makes dockerd walk every container it holds, so its cost grows with the count: the
/// straight line fitted to scripts/measure-docker-list.sh's measurements (bench README, "bench sim").
/// </summary>
/// <param name="ListFixed">Cost of a list of an empty engine.</param>
/// <param name="ListPerContainer">What each container the engine holds adds to a list.</param>
public sealed record DockerLatencyModel(
    TimeSpan Create,
    TimeSpan Start,
    TimeSpan Remove,
    TimeSpan Restart,
    TimeSpan Inspect,
    TimeSpan ListFixed,
    TimeSpan ListPerContainer)
{
    /// <summary>
    /// Create 100 ms and start 200 ms; remove (stop + rm of a container that stops at once) and restart as measured for
    /// busybox; a list 0.7 ms plus 0.150 ms per container (fitted to 0/100/300/600/1000 containers on this machine).
    /// </summary>
    public static DockerLatencyModel Measured { get; } = new(
        Create: TimeSpan.FromMilliseconds(100),
        Start: TimeSpan.FromMilliseconds(200),
        Remove: TimeSpan.FromMilliseconds(100),
        Restart: TimeSpan.FromMilliseconds(300),
        Inspect: TimeSpan.FromMilliseconds(2),
        ListFixed: TimeSpan.FromMilliseconds(0.7),
        ListPerContainer: TimeSpan.FromMilliseconds(0.150));

    /// <summary>Every call free: the benchmark brings the operator to N converged services this way before it measures.</summary>
    public static DockerLatencyModel Instant { get; } = new(
        TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);

    public TimeSpan List(int containers) => ListFixed + (ListPerContainer * containers);
}
