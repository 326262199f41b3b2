using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Hosting;
using ZonaProcessManager.Web.Hosting;

namespace ZonaProcessManager.Web.Health;

/// <summary>
/// /healthz (liveness: the loops run) and /readyz (readiness: the store and the container engine answered their last
/// call and the start-up resync is done), each 200 or 503 with a short JSON body naming what failed.
/// A standby (an instance that does not hold the lease, passive ones included) is alive while its leader gate waits, and
/// ready when the store answers a read now (within <see cref="StoreProbeTimeout"/>): it uses neither the engine nor the
/// resync until it leads, and a rollout must not wait on that, but a leader that lost its lease because the store went
/// away becomes a standby and must not look ready. Its body says <c>"role": "standby"</c>.
/// </summary>
public sealed class HealthEndpoints(OperatorHealth health, OperatorLiveness liveness, IServiceStore store) : IHttpEndpointModule
{
    /// <summary>How long a standby's readiness waits for the store's answer.</summary>
    public static readonly TimeSpan StoreProbeTimeout = TimeSpan.FromSeconds(2);

    // A key no resource has (names are DNS labels, so no document is called this): the read costs one indexed lookup.
    private static readonly ResourceKey StoreProbeKey = new(ServiceSpec.KindName, "zpm-readiness-probe", "_");

    public void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", Liveness);
        endpoints.MapGet("/readyz", Readiness);
    }

    private IResult Liveness()
    {
        var snapshot = liveness.Snapshot();
        var failed = new List<string>();
        if (!snapshot.GateRunning)
        {
            failed.Add(snapshot.GateFailure is { } failure ? $"leader gate ended: {failure}" : "leader gate is not running");
        }

        failed.AddRange(snapshot.Loops.Where(loop => !loop.Running).Select(loop => $"{loop.Name} ended: {loop.Failure}"));
        var body = new LivenessBody(
            snapshot.IsAlive ? "ok" : "failing",
            RoleOf(snapshot),
            snapshot.Generation,
            [.. snapshot.Loops.Select(loop => loop.Name)],
            failed);
        return Results.Json(body, statusCode: snapshot.IsAlive ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    private async Task<IResult> Readiness(CancellationToken requestAborted)
    {
        var alive = liveness.Snapshot();
        if (!alive.Leading)
        {
            var failures = new List<string>();
            if (!alive.GateRunning)
            {
                failures.Add("leader gate is not running");
            }

            var storeCheck = await ProbeStoreAsync(requestAborted).ConfigureAwait(false);
            AddFailure(failures, "store", storeCheck);
            var standbyReady = failures.Count == 0;
            return Results.Json(
                new ReadinessBody(standbyReady ? "ready" : "not ready", RoleOf(alive), Check(storeCheck), null, null, failures),
                statusCode: standbyReady ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        }

        var snapshot = health.Snapshot();
        var failed = new List<string>();
        AddFailure(failed, "store", snapshot.Store);
        AddFailure(failed, "runtime", snapshot.Runtime);
        if (!snapshot.StartupResyncDone)
        {
            failed.Add("startup resync: not done yet");
        }

        var ready = snapshot.IsReady && failed.Count == 0;
        return Results.Json(
            new ReadinessBody(ready ? "ready" : "not ready", RoleOf(alive), Check(snapshot.Store), Check(snapshot.Runtime), snapshot.StartupResyncDone, failed),
            statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    private async Task<DependencyHealth> ProbeStoreAsync(CancellationToken requestAborted)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        deadline.CancelAfter(StoreProbeTimeout);
        try
        {
            await store.GetAsync(StoreProbeKey, deadline.Token).ConfigureAwait(false);
            health.StoreAnswered();
        }
        catch (OperationCanceledException) when (!requestAborted.IsCancellationRequested)
        {
            health.StoreUnreachable($"no answer within {StoreProbeTimeout.TotalSeconds:0.#} s");
        }
#pragma warning disable CA1031 // Whatever the store throws is the answer: it is reported, not raised.
        catch (Exception exception) when (exception is not OperationCanceledException)
#pragma warning restore CA1031
        {
            health.StoreUnreachable(exception.Message);
        }

        return health.Snapshot().Store;
    }

    private static string RoleOf(OperatorLivenessSnapshot snapshot) => snapshot.Leading ? "leader" : "standby";

    private static void AddFailure(List<string> failed, string name, DependencyHealth dependency)
    {
        switch (dependency.Reachable)
        {
            case false:
                failed.Add($"{name}: {dependency.Message ?? "unreachable"}");
                break;
            case null:
                failed.Add($"{name}: not reached yet");
                break;
        }
    }

    private static DependencyCheck Check(DependencyHealth dependency) =>
        new(dependency.Reachable switch { true => "ok", false => "unreachable", null => "unknown" }, dependency.Message, dependency.Since);

    private sealed record LivenessBody(string Status, string Role, long? Generation, IReadOnlyList<string> Loops, IReadOnlyList<string> Failed);

    private sealed record DependencyCheck(string Status, string? Message, DateTimeOffset? Since);

    private sealed record ReadinessBody(
        string Status, string Role, DependencyCheck? Store, DependencyCheck? Runtime, bool? StartupResyncDone, IReadOnlyList<string> Failed);
}
