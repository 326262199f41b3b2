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
            && (a.DependsOn ?? []).Order(StringComparer.Ordinal).SequenceEqual((b.DependsOn ?? []).Order(StringComparer.Ordinal));
    }
}
