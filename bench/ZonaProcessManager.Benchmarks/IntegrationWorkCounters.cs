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

/// <summary>Counts the operator's document writes per collection through a change stream on the whole database.</summary>
public sealed class WriteCounter(IMongoDatabase database) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, long> _byCollection = new(StringComparer.Ordinal);
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
                            _byCollection.AddOrUpdate(change.CollectionNamespace?.CollectionName ?? "?", 1, (_, count) => count + 1);
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
