using System.Security.Cryptography;
using System.Text;
using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Integrations;

public sealed record PortChoice(PortChoiceKind Kind, int? Port, string Message);

/// <summary>
/// Pure port allocation logic. Atomicity is the store's job (unique index on port, retry on 11000); this decides which
/// port to try, in an order that spreads concurrent allocators over the range instead of all racing for the lowest port.
/// </summary>
public static class PortAllocator
{
    /// <summary>
    /// The port for <paramref name="owner"/>: its existing allocation if any, otherwise the first free candidate.
    /// <paramref name="unavailable"/> holds ports found taken on the host by something else (skipped, not retried).
    /// </summary>
    public static PortChoice Choose(PortOwner owner, IReadOnlyCollection<PortAllocation> allocations, IReadOnlySet<int> unavailable,
        PortRange range)
    {
        var existing = allocations.FirstOrDefault(a => a.Owner == owner);
        if (existing is not null)
        {
            return new PortChoice(PortChoiceKind.Kept, existing.Port, $"{owner} keeps port {existing.Port}");
        }

        var candidate = Candidates(owner, allocations, unavailable, range).Cast<int?>().FirstOrDefault();
        return candidate is null
            ? new PortChoice(PortChoiceKind.Exhausted, null,
                $"No free host port left in {range} for {owner} ({allocations.Count(a => range.Contains(a.Port))} allocated, {unavailable.Count(range.Contains)} taken on the host)")
            : new PortChoice(PortChoiceKind.Candidate, candidate, $"{owner} gets port {candidate}");
    }

    /// <summary>
    /// Free ports in the order to try them: from an offset derived from the owner (stable, so a retry after a lost
    /// race moves on rather than colliding again), wrapping around the range once.
    /// </summary>
    public static IEnumerable<int> Candidates(PortOwner owner, IReadOnlyCollection<PortAllocation> allocations,
        IReadOnlySet<int> unavailable, PortRange range)
    {
        var taken = allocations.Select(a => a.Port).ToHashSet();
        var offset = StableOffset(owner, range.Count);
        for (var i = 0; i < range.Count; i++)
        {
            var port = range.First + ((offset + i) % range.Count);
            if (!taken.Contains(port) && !unavailable.Contains(port))
            {
                yield return port;
            }
        }
    }

    /// <summary>
    /// Allocates through the store's atomic claim (an insert guarded by unique indexes on port and on owner): keeps an
    /// existing port, else claims candidates in order until one sticks. The snapshot may be stale; losing a race only
    /// costs a retry with the next candidate, never a duplicate.
    /// </summary>
    public static async Task<PortChoice> ClaimAsync(PortOwner owner, IReadOnlyCollection<PortAllocation> snapshot,
        IReadOnlySet<int> unavailable, PortRange range, Func<int, CancellationToken, ValueTask<ClaimAttempt>> tryClaim,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tryClaim);
        var choice = Choose(owner, snapshot, unavailable, range);
        if (choice.Kind != PortChoiceKind.Candidate)
        {
            return choice;
        }

        var lost = 0;
        foreach (var port in Candidates(owner, snapshot, unavailable, range))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var attempt = await tryClaim(port, cancellationToken).ConfigureAwait(false);
            switch (attempt.Result)
            {
                case ClaimResult.Claimed:
                    return new PortChoice(PortChoiceKind.Claimed, port, $"{owner} got port {port}");
                case ClaimResult.OwnerHasPort when attempt.ExistingPort is { } existing:
                    return new PortChoice(PortChoiceKind.Kept, existing, $"{owner} keeps port {existing}");
                default:
                    lost++;
                    break;
            }
        }

        return new PortChoice(PortChoiceKind.Exhausted, null,
            $"No free host port left in {range} for {owner} (all {lost} remaining candidate(s) were taken concurrently)");
    }

    /// <summary>Allocations whose owner no longer exists (integration or tenant gone, port removed from the catalog).</summary>
    public static IReadOnlyList<PortAllocation> ToRelease(IReadOnlyCollection<PortAllocation> allocations, IReadOnlySet<PortOwner> wanted) =>
        [.. allocations.Where(a => !wanted.Contains(a.Owner)).OrderBy(a => a.Port)];

    private static int StableOffset(PortOwner owner, int size)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(owner.ToString()));
        return (int)(BitConverter.ToUInt32(digest, 0) % (uint)size);
    }
}
