using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Hashing;

/// <summary>
/// Whether two specs ask for the same thing. Records compare their list and map members by reference, so two specs read
/// from two documents are never Equals; this compares by content (map order and Docker-irrelevant list order ignored,
/// as in the hash). It decides when a hand edit of an operator-owned child spec is put back, and skips no-op writes.
/// </summary>
public static class SpecEquivalence
{
    public static bool Equivalent(ServiceSpecBody? a, ServiceSpecBody? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        return SpecHasher.CanonicalJson(a).AsSpan().SequenceEqual(SpecHasher.CanonicalJson(b))
            && a.Replicas == b.Replicas
            && a.Category == b.Category
            && a.Suspended == b.Suspended
            && a.Update == b.Update
            && a.Rollback == b.Rollback
            && SamePlacement(a.Placement, b.Placement)
            && (a.DependsOn ?? []).Order(StringComparer.Ordinal).SequenceEqual((b.DependsOn ?? []).Order(StringComparer.Ordinal));
    }

    // Constraints are ANDed, so their order means nothing; preferences spread level by level, so theirs does. A
    // placement that asks for nothing places like none at all, and a cap of 0 is no cap (Swarm's meaning).
    private static bool SamePlacement(PlacementSpec? a, PlacementSpec? b)
    {
        a = AsksForNothing(a) ? null : a;
        b = AsksForNothing(b) ? null : b;
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        return (a.MaxReplicasPerNode ?? 0) == (b.MaxReplicasPerNode ?? 0)
            && (a.Constraints ?? []).Order(StringComparer.Ordinal).SequenceEqual((b.Constraints ?? []).Order(StringComparer.Ordinal))
            && (a.Preferences ?? []).SequenceEqual(b.Preferences ?? []);
    }

    private static bool AsksForNothing(PlacementSpec? placement) =>
        placement is null
        || ((placement.Constraints ?? []).Count == 0 && (placement.Preferences ?? []).Count == 0 && placement.MaxReplicasPerNode is null or 0);
}
