using System.Collections.Concurrent;
using Mediator;

namespace ZonaProcessManager.Operator.Tests.Probing;

/// <summary>Keeps every published notification, in order.</summary>
public sealed class CapturingPublisher : IPublisher
{
    private readonly ConcurrentQueue<object> _published = new();

    public IReadOnlyList<object> Published => [.. _published];

    public ValueTask Publish<TNotification>(TNotification notification, CancellationToken cancellationToken = default)
        where TNotification : INotification
    {
        _published.Enqueue(notification);
        return ValueTask.CompletedTask;
    }

    public ValueTask Publish(object notification, CancellationToken cancellationToken = default)
    {
        _published.Enqueue(notification);
        return ValueTask.CompletedTask;
    }
}
