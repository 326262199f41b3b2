using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace ZonaProcessManager.Operator.Tests.Fakes;

/// <summary>Keeps every Serilog event in memory, scope properties included, as the operator's console sink gets it.</summary>
public sealed class CapturingSerilogSink : ILogEventSink
{
    private readonly ConcurrentQueue<LogEvent> _events = new();

    public IReadOnlyList<LogEvent> Events => [.. _events];

    public void Emit(LogEvent logEvent) => _events.Enqueue(logEvent);

    /// <summary>The text of a scalar property (a ResourceKey arrives as its ToString), or null when the event lacks it.</summary>
    public static string? ScalarText(LogEvent logEvent, string property) =>
        logEvent.Properties.TryGetValue(property, out var value) && value is ScalarValue scalar ? scalar.Value?.ToString() : null;
}
