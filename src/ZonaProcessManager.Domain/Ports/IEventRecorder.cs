using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Ports;

/// <summary>
/// Appends to a resource's event history (what `zpm describe` shows under Events). Implemented by the MongoDB adapter;
/// a failed write throws, and the operator decides what that means (it logs it: events are history for humans).
/// </summary>
public interface IEventRecorder
{
    Task RecordAsync(ResourceEvent resourceEvent, CancellationToken cancellationToken);
}
