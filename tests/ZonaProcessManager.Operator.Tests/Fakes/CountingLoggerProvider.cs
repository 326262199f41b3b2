using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ZonaProcessManager.Operator.Tests.Fakes;

/// <summary>
/// A logger provider for a whole host that counts lines per level and keeps the warnings and errors (shortened), so a
/// test can say how much an operator complained without reading its console.
/// </summary>
public sealed class CountingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentDictionary<LogLevel, int> _counts = new();
    private readonly ConcurrentQueue<string> _problems = new();

    public int Count(LogLevel level) => _counts.GetValueOrDefault(level);

    /// <summary>Warning, error and critical lines, each cut to 300 characters.</summary>
    public IReadOnlyList<string> Problems => [.. _problems];

    public ILogger CreateLogger(string categoryName) => new Counting(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Counting(CountingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            owner._counts.AddOrUpdate(logLevel, 1, (_, n) => n + 1);
            if (logLevel >= LogLevel.Warning)
            {
                var text = $"{logLevel} {category}: {formatter(state, exception)} {exception?.Message}";
                owner._problems.Enqueue(text.Length <= 300 ? text : text[..300]);
            }
        }
    }
}
