using Mediator;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Operator.Messages;

/// <summary>The store watcher saw a change (or asks for a relist); published by the watch loop.</summary>
public sealed record ResourceChanged(ResourceChange Change) : INotification;
