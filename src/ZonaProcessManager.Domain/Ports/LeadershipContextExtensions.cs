namespace ZonaProcessManager.Domain.Ports;

public static class LeadershipContextExtensions
{
    /// <summary>
    /// The term being led, when the store confirmed it within the renew deadline; otherwise throws
    /// <see cref="LeadershipFenceException.NotConfirmed"/> naming <paramref name="operation"/>. The one rule every fence
    /// (runtime and store) applies before acting.
    /// </summary>
    public static LeadershipTerm ConfirmedTerm(this ILeadershipContext leadership, string operation)
    {
        ArgumentNullException.ThrowIfNull(leadership);
        var term = leadership.Current;
        return term is not null && leadership.IsConfirmed ? term : throw LeadershipFenceException.NotConfirmed(operation, term);
    }
}
