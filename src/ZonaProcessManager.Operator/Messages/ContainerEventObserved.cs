using Mediator;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Operator.Messages;

/// <summary>Docker reported something about an owned container (die, destroy, health_status, oom...).</summary>
public sealed record ContainerEventObserved(ContainerEvent Event) : INotification;
