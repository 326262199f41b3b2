using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Reconciliation;

namespace ZonaProcessManager.Operator.Controllers;

/// <summary>
/// Brings every resource of one kind to its desired state, level-triggered: given only a key, it reads what is stored
/// and what runs and acts on the difference. Registered once per kind with
/// <see cref="Kinds.ReconcilerServiceCollectionExtensions.AddReconciler{TReconciler}"/>.
/// </summary>
public interface IReconciler
{
    Task<ReconciliationResult> ReconcileAsync(ResourceKey key, CancellationToken cancellationToken);
}
