using System.Diagnostics.CodeAnalysis;

namespace ZonaProcessManager.Operator.Kinds;

/// <summary>
/// Every kind registered with <see cref="ReconcilerServiceCollectionExtensions.AddReconciler{TReconciler}"/>, in
/// registration order: the queue has a work queue per kind, a resync asks each kind's key source, notifications look up
/// whether a kind is cluster-scoped, and the composition root watches the kinds' collections.
/// </summary>
public sealed class KindRegistry
{
    private readonly Dictionary<string, KindRegistration> _byKind;

    public KindRegistry(IEnumerable<KindRegistration> registrations)
    {
        Registrations = [.. registrations];
        _byKind = new Dictionary<string, KindRegistration>(StringComparer.Ordinal);
        foreach (var registration in Registrations)
        {
            if (!_byKind.TryAdd(registration.Kind, registration))
            {
                throw new InvalidOperationException($"Kind {registration.Kind} is registered twice; each kind has exactly one reconciler.");
            }
        }
    }

    public IReadOnlyList<KindRegistration> Registrations { get; }

    public IEnumerable<string> Kinds => Registrations.Select(r => r.Kind);

    public bool TryGet(string kind, [NotNullWhen(true)] out KindRegistration? registration) =>
        _byKind.TryGetValue(kind, out registration);

    /// <summary>False for a kind that is not registered: its keys are refused anyway.</summary>
    public bool IsClusterScoped(string kind) => TryGet(kind, out var registration) && registration.ClusterScoped;
}
