namespace ZonaProcessManager.Domain.Ports;

/// <summary>
/// A store write or a runtime action refused because this instance may not act as the leader: it leads no term,
/// the store has not confirmed its term within the renew deadline (<see cref="ILeadershipContext.IsConfirmed"/>), or the
/// document was written since by the leader of a newer term (a higher <see cref="LeadershipTerm.Generation"/>). It is
/// not the resource's failure: the term is ending and the next leader reconciles the resource. The message names the
/// operation and the generations only, never a document.
/// </summary>
public sealed class LeadershipFenceException(string operation, string reason) : Exception($"{operation} refused: {reason}")
{
    /// <summary>What was refused, e.g. "WriteStatusAsync" or "ApplyAsync".</summary>
    public string Operation { get; } = operation;

    /// <summary>
    /// The refusal when this instance leads no confirmed term; <paramref name="operation"/> names what was refused.
    /// </summary>
    public static LeadershipFenceException NotConfirmed(string operation, LeadershipTerm? term) =>
        new(operation, term is null
            ? "this instance is not the leader"
            : $"the leadership of term {term.Generation} is not confirmed by the store within the renew deadline");

    /// <summary>The refusal of a write to a document the leader of a newer term wrote since.</summary>
    public static LeadershipFenceException NewerTermWrote(string operation, long generation) =>
        new(operation, $"the document was written under a newer leadership term than {generation}");
}
