using Microsoft.Extensions.Logging;

namespace ZonaProcessManager.Operator.Hosting;

/// <summary>What the operator knows about one dependency: unknown (null) until it has been used once.</summary>
public sealed record DependencyHealth(bool? Reachable, string? Message, DateTimeOffset? Since);

/// <summary>The operator's health at one instant; <see cref="IsReady"/> is what a readiness probe answers.</summary>
public sealed record OperatorHealthSnapshot(DependencyHealth Runtime, DependencyHealth Store, bool StartupResyncDone)
{
    /// <summary>The container engine and the store answer, and the start-up resync has enqueued everything.</summary>
    public bool IsReady => Runtime.Reachable == true && Store.Reachable == true && StartupResyncDone;
}

/// <summary>
/// Operator-level health: whether the container engine and the store answered their last call, since when, and
/// whether the start-up resync is done. Fed by the reconcilers and the resync; read by the resync (to tell every
/// service once per outage) and meant for a readiness endpoint. Each change of reachability is logged once.
/// </summary>
public sealed class OperatorHealth(TimeProvider time, ILogger<OperatorHealth> logger)
{
    private readonly Lock _gate = new();
    private DependencyHealth _runtime = new(null, null, null);
    private DependencyHealth _store = new(null, null, null);
    private bool _startupResyncDone;

    public OperatorHealthSnapshot Snapshot()
    {
        lock (_gate)
        {
            return new OperatorHealthSnapshot(_runtime, _store, _startupResyncDone);
        }
    }

    public bool IsReady => Snapshot().IsReady;

    /// <returns>True when this call changed the state (the engine was unreachable or unknown before).</returns>
    public bool RuntimeAnswered() => Record(ref _runtime, true, null, "Container engine");

    /// <returns>True when this call changed the state (the engine answered or was unknown before).</returns>
    public bool RuntimeUnreachable(string message) => Record(ref _runtime, false, message, "Container engine");

    public bool StoreAnswered() => Record(ref _store, true, null, "Store");

    public bool StoreUnreachable(string message) => Record(ref _store, false, message, "Store");

    public void MarkStartupResyncDone()
    {
        lock (_gate)
        {
            _startupResyncDone = true;
        }
    }

    private bool Record(ref DependencyHealth field, bool reachable, string? message, string what)
    {
        bool? before;
        lock (_gate)
        {
            before = field.Reachable;
            if (before == reachable && field.Message == message)
            {
                return false;
            }

            field = new DependencyHealth(reachable, message, before == reachable ? field.Since : time.GetUtcNow());
        }

        if (before == reachable)
        {
            return false;
        }

        if (!reachable)
        {
            logger.LogWarning("{Dependency} unreachable: {Message}", what, message);
        }
        else if (before == false)
        {
            logger.LogInformation("{Dependency} answers again", what);
        }

        return true;
    }
}
