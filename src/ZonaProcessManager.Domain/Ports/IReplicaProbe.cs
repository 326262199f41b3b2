using ZonaProcessManager.Domain.Probing;

namespace ZonaProcessManager.Domain.Ports;

/// <summary>
/// Runs one health probe (an HTTP GET or a TCP connect) from the operator's host against a replica's address. The
/// caller bounds it: <paramref name="cancellationToken"/> fires at the probe's timeout (or at shutdown), and the probe
/// then ends at once with an OperationCanceledException. Every other outcome is a <see cref="ProbeResult"/>.
/// </summary>
public interface IReplicaProbe
{
    Task<ProbeResult> ProbeAsync(string address, OperatorProbe probe, CancellationToken cancellationToken);
}
