using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;

namespace ZonaProcessManager.Domain.Reconciliation;

/// <summary>
/// Updates status.conditions the Kubernetes way: one condition per type, and lastTransitionTime changes only when the
/// status flips (a new reason or message alone keeps it), so "since when" stays meaningful.
/// </summary>
public static class ConditionSet
{
    public static IReadOnlyList<Condition> Set(IReadOnlyList<Condition>? conditions, string type, bool status, string reason,
        string message, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        var result = new List<Condition>(conditions ?? []);
        var index = result.FindIndex(c => c.Type == type);
        if (index < 0)
        {
            result.Add(new Condition(type, status, reason, message, now));
            return result;
        }

        var existing = result[index];
        var since = existing.Status == status ? existing.LastTransitionTime : now;
        result[index] = new Condition(type, status, reason, message, since);
        result.RemoveAll(c => c.Type == type && !ReferenceEquals(c, result[index]));
        return result;
    }

    public static Condition? Find(IReadOnlyList<Condition>? conditions, string type) =>
        conditions?.FirstOrDefault(c => c.Type == type);

    public static bool IsTrue(IReadOnlyList<Condition>? conditions, string type) => Find(conditions, type)?.Status == true;

    /// <summary>
    /// RuntimeReachable back to True after the engine answered. A status that never lost the engine gets no such
    /// condition, so statuses written before the engine ever failed stay exactly as they were.
    /// </summary>
    public static IReadOnlyList<Condition> RuntimeAnswered(IReadOnlyList<Condition>? conditions, DateTimeOffset now) =>
        Find(conditions, ConditionTypes.RuntimeReachable) is null
            ? conditions ?? []
            : Set(conditions, ConditionTypes.RuntimeReachable, true, "EngineAnswered", "The container engine answers", now);

    /// <summary>RuntimeReachable=False with the engine's (or the client's) message.</summary>
    public static IReadOnlyList<Condition> RuntimeUnreachable(IReadOnlyList<Condition>? conditions, string message, DateTimeOffset now) =>
        Set(conditions, ConditionTypes.RuntimeReachable, false, "EngineUnreachable", message, now);

    /// <summary>Ready and Progressing as a plan outcome implies them.</summary>
    public static IReadOnlyList<Condition> FromOutcome(IReadOnlyList<Condition>? conditions, PlanOutcome outcome, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var ready = outcome.Kind == OutcomeKind.AllReady;
        var progressing = outcome.Kind is OutcomeKind.Progressing or OutcomeKind.TearingDown or OutcomeKind.WaitingForDependencies;
        var updated = Set(conditions, ConditionTypes.Ready, ready, outcome.Reason, outcome.Message, now);
        return Set(updated, ConditionTypes.Progressing, progressing, outcome.Reason, outcome.Message, now);
    }
}
