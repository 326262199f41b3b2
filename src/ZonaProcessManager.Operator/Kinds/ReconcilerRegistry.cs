using System.Diagnostics.CodeAnalysis;
using ZonaProcessManager.Operator.Controllers;

namespace ZonaProcessManager.Operator.Kinds;

/// <summary>
/// Kind → its reconciler, as registered. Kept apart from <see cref="KindRegistry"/> because reconcilers depend on the
/// queue (through <see cref="IReconcileTrigger"/>) while the queue depends on the registered kinds.
/// </summary>
public sealed class ReconcilerRegistry(IReadOnlyDictionary<string, IReconciler> reconcilers)
{
    public bool TryGet(string kind, [NotNullWhen(true)] out IReconciler? reconciler) => reconcilers.TryGetValue(kind, out reconciler);
}
