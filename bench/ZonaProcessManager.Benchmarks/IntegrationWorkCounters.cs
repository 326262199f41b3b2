using System.Collections.Concurrent;
using MongoDB.Bson;
using MongoDB.Driver;
using Serilog.Core;
using Serilog.Events;
using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Benchmarks;

/// <summary>
/// Counts reconciles per resource kind from the operator's own per-reconcile log line (ReconcileTimingBehavior), so the
/// benchmark sees where the work goes without a hook in the operator.
/// </summary>
public sealed class ReconcileCountingSink : ILogEventSink
{
    public const string SourceContext = "ZonaProcessManager.Operator.Controllers.ReconcileTimingBehavior";

    /// <summary>Where follow-up requests come from: controllers' triggers (with their reason) and store change events.</summary>
    public static readonly string[] CauseContexts =
    [
        "ZonaProcessManager.Operator.Hosting.QueueReconcileTrigger",
        "ZonaProcessManager.Operator.Hosting.EnqueueOnChange",
    ];

    private readonly ConcurrentDictionary<string, long> _byKind = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _causes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _busyMicroseconds = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, long> Causes() => new Dictionary<string, long>(_causes, StringComparer.Ordinal);

    public void Emit(LogEvent logEvent)
    {
        if (logEvent.Properties.TryGetValue("Reason", out var reason) && logEvent.Properties.TryGetValue("Count", out var count)
            && count is ScalarValue { Value: int added })
        {
            _causes.AddOrUpdate("trigger: " + reason.ToString().Trim('"'), added, (_, total) => total + added);
            return;
        }

        if (logEvent.Properties.TryGetValue("ChangeKind", out var change) && logEvent.Properties.TryGetValue("Resource", out var changed))
        {
            var changedKind = KindOf(changed);
            _causes.AddOrUpdate($"store {change}: {changedKind}", 1, (_, total) => total + 1);
            return;
        }

        if (logEvent.MessageTemplate.Text.StartsWith("{Resource} reconciled", StringComparison.Ordinal) && logEvent.Properties.TryGetValue("Resource", out var resource))
        {
            var kind = KindOf(resource);
            _byKind.AddOrUpdate(kind, 1, (_, count) => count + 1);
            if (logEvent.Properties.TryGetValue("ElapsedMs", out var elapsed) && elapsed is ScalarValue { Value: double milliseconds })
            {
                _busyMicroseconds.AddOrUpdate(kind, (long)(milliseconds * 1000), (_, total) => total + (long)(milliseconds * 1000));
            }
        }
    }

    /// <summary>Worker time (wall) spent in reconciles of each kind: what a reconcile kind takes away from Docker work.</summary>
    public IReadOnlyDictionary<string, TimeSpan> BusyTime() =>
        _busyMicroseconds.ToDictionary(b => b.Key, b => TimeSpan.FromMicroseconds(b.Value), StringComparer.Ordinal);

    private static string KindOf(LogEventPropertyValue resource) =>
        resource is ScalarValue { Value: ResourceKey key } ? key.Kind : resource.ToString().Trim('"').Split('/')[0];

    public IReadOnlyDictionary<string, long> Snapshot() => new Dictionary<string, long>(_byKind, StringComparer.Ordinal);
}

/// <summary>
/// Follows the whole database through one change stream: counts the operator's document writes per collection, and
/// keeps which documents exist and each one's status.phase, so the benchmark can wait for "all Running" or "all gone"
/// without querying the store. Counting with a query scans every document (no index on status.phase): polled 5 times a
/// second through a 500-service run, that was the benchmark's own CPU, taken from the operator it measures.
/// </summary>
/// <param name="tracked">Collections whose documents and phases are kept; the rest (events above all) are only counted,
/// so each check of the view walks hundreds of entries, not thousands.</param>
public sealed class StoreWatch(IMongoDatabase database, params string[] tracked) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, long> _byCollection = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Collection, BsonValue Id), string?> _phases = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _watching;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var cursor = await database.WatchAsync(cancellationToken: cancellationToken);
        _watching = Task.Run(async () =>
        {
            using (cursor)
            {
                try
                {
                    while (await cursor.MoveNextAsync(_stop.Token))
                    {
                        foreach (var change in cursor.Current)
                        {
                            Observe(change);
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                    // Stopped.
                }
            }
        }, CancellationToken.None);
    }

    private void Observe(ChangeStreamDocument<BsonDocument> change)
    {
        var collection = change.CollectionNamespace?.CollectionName ?? "?";
        _byCollection.AddOrUpdate(collection, 1, (_, count) => count + 1);
        if (!tracked.Contains(collection) || change.DocumentKey?.GetValue("_id", null) is not { } id)
        {
            return;
        }

        var key = (collection, id);
        switch (change.OperationType)
        {
            case ChangeStreamOperationType.Insert or ChangeStreamOperationType.Replace:
                _phases[key] = PhaseOf(change.FullDocument?.GetValue("status", BsonNull.Value));
                break;
            case ChangeStreamOperationType.Update when change.UpdateDescription?.UpdatedFields is { } updated:
                // The operator writes status whole ($set: {status}); a client may set status.phase alone.
                if (updated.TryGetValue("status", out var status))
                {
                    _phases[key] = PhaseOf(status);
                }
                else if (updated.TryGetValue("status.phase", out var phase))
                {
                    _phases[key] = phase.IsString ? phase.AsString : null;
                }

                break;
            case ChangeStreamOperationType.Delete:
                _phases.TryRemove(key, out _);
                break;
        }
    }

    private static string? PhaseOf(BsonValue? status) =>
        status is BsonDocument document && document.GetValue("phase", BsonNull.Value) is { IsString: true } phase ? phase.AsString : null;

    /// <summary>Documents of <paramref name="collection"/> inserted since the watch started and not deleted.</summary>
    public int Existing(string collection) => _phases.Keys.Count(k => k.Collection == collection);

    /// <summary>Documents of <paramref name="collection"/> whose last seen status.phase is <paramref name="phase"/>.</summary>
    public int InPhase(string collection, string phase) => _phases.Count(p => p.Key.Collection == collection && p.Value == phase);

    public IReadOnlyDictionary<string, long> Snapshot() => new Dictionary<string, long>(_byCollection, StringComparer.Ordinal);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_watching is not null)
        {
            await _watching;
        }

        _stop.Dispose();
    }
}
