using System.Collections;
using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Operator.Logging;

/// <summary>
/// The log scope of one reconcile (controller-runtime's per-request logger): every line logged while it runs carries the
/// resource key and an id of that run as properties, so controllers do not pass the key by hand and lines of two runs of
/// one key can be told apart.
/// </summary>
public static class ReconcileLogScope
{
    public const string ResourceProperty = "Resource";
    public const string ReconcileIdProperty = "ReconcileId";

    /// <summary>Begins the scope for one run of <paramref name="key"/> with a new reconcile id.</summary>
    public static IDisposable? Begin(ILogger logger, ResourceKey key) =>
        logger.BeginScope(new ScopeState(key, Guid.NewGuid().ToString()));

    /// <summary>Key/value pairs, so structured providers (Serilog) turn each into a property of the line.</summary>
    private sealed class ScopeState(ResourceKey key, string reconcileId) : IReadOnlyList<KeyValuePair<string, object>>
    {
        public int Count => 2;

        public KeyValuePair<string, object> this[int index] => index switch
        {
            0 => new(ResourceProperty, key),
            1 => new(ReconcileIdProperty, reconcileId),
            _ => throw new ArgumentOutOfRangeException(nameof(index)),
        };

        public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
        {
            yield return this[0];
            yield return this[1];
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        // What plain-text providers print for the scope.
        public override string ToString() => $"{key} reconcile {reconcileId}";
    }
}
