using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Operator.Controllers;

/// <summary>
/// Lets a controller ask for other resources to be looked at: a child's status changed (its owner mirrors it), a catalog
/// entry changed (every integration using it re-materialises), a tenant was suspended (its integrations scale). Adding to
/// the work queue collapses duplicates, so asking twice costs nothing.
/// </summary>
public interface IReconcileTrigger
{
    void Request(IEnumerable<ResourceKey> keys, string reason);
}
