using Microsoft.Extensions.Logging;

namespace ZonaProcessManager.Operator.Tests.Fakes;

/// <summary>One captured log line: level, rendered text and the structured properties of its message template.</summary>
public sealed record CapturedLog(LogLevel Level, string Message, IReadOnlyDictionary<string, object?> Properties);

/// <summary>Keeps every log line in memory so tests can assert what the operator says and with which properties.</summary>
public sealed class CapturingLogger<T> : ILogger<T>
{
    private readonly Lock _gate = new();
    private readonly List<CapturedLog> _logs = [];

    public IReadOnlyList<CapturedLog> Logs
    {
        get
        {
            lock (_gate)
            {
                return [.. _logs];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var properties = state is IEnumerable<KeyValuePair<string, object?>> pairs
            ? pairs.ToDictionary(p => p.Key, p => p.Value)
            : [];
        lock (_gate)
        {
            _logs.Add(new CapturedLog(logLevel, formatter(state, exception), properties));
        }
    }
}
