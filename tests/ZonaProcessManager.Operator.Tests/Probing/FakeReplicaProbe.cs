using System.Collections.Concurrent;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Probing;

namespace ZonaProcessManager.Operator.Tests.Probing;

/// <summary>
/// Answers probes with what the test sets per address (success when nothing is set); an address set to hang never
/// answers until the probe's token fires. Counts calls and the most probes ever in flight at once.
/// </summary>
public sealed class FakeReplicaProbe : IReplicaProbe
{
    private readonly ConcurrentQueue<string> _calls = new();
    private int _inFlight;
    private int _mostInFlight;

    public ConcurrentDictionary<string, ProbeResult> Results { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, bool> Hanging { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Calls => [.. _calls];

    public int InFlight => Volatile.Read(ref _inFlight);

    public int MostInFlight => Volatile.Read(ref _mostInFlight);

    public async Task<ProbeResult> ProbeAsync(string address, OperatorProbe probe, CancellationToken cancellationToken)
    {
        _calls.Enqueue(address);
        var now = Interlocked.Increment(ref _inFlight);
        int seen;
        while (now > (seen = Volatile.Read(ref _mostInFlight)) && Interlocked.CompareExchange(ref _mostInFlight, now, seen) != seen)
        {
        }

        try
        {
            if (Hanging.ContainsKey(address))
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return Results.TryGetValue(address, out var result) ? result : ProbeResult.Success;
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }
}
