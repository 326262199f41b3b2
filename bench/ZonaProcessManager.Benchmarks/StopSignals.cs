using System.Runtime.InteropServices;

namespace ZonaProcessManager.Benchmarks;

/// <summary>
/// Ctrl+C and SIGTERM (what `timeout` and CI send) cancel <see cref="Token"/> instead of ending the process, so a
/// benchmark's finally blocks still remove every container and network it created.
/// </summary>
internal sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private readonly PosixSignalRegistration _terminate;

    public StopSignals()
    {
        Console.CancelKeyPress += OnCancelKeyPress;
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            _cancellation.Cancel();
        });
    }

    public CancellationToken Token => _cancellation.Token;

    public bool IsStopRequested => _cancellation.IsCancellationRequested;

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        _terminate.Dispose();
        _cancellation.Dispose();
    }

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = true;
        _cancellation.Cancel();
    }
}
