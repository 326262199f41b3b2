using ZonaProcessManager.Testing.HighAvailability;

namespace ZonaProcessManager.Cli.Tests.EndToEnd.HighAvailability;

/// <summary>
/// The check the leader-election tests rest on, fed by hand: it must flag two processes acting in overlapping terms
/// and a process acting without a term, and accept a clean hand-over, or those tests could pass without proving anything.
/// </summary>
public sealed class LeadershipTimelineTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_hand_over_after_the_old_leaders_last_action_is_no_overlap()
    {
        var processes = new[]
        {
            Process("a#1", Elected(0, 1), Leading(0.2, 1)),
            Process("b#1", Elected(5, 2), Leading(5.3, 2)),
        };

        var violations = LeadershipTimeline.Overlaps(processes, [("a#1", At(1)), ("a#1", At(3)), ("b#1", At(6))]);

        Assert.Empty(violations);
    }

    [Fact]
    public void A_paused_leader_acting_after_another_took_over_is_an_overlap()
    {
        var processes = new[]
        {
            Process("a#1", Elected(0, 1)),
            Process("b#1", Elected(5, 2)),
        };

        // a#1 was frozen at 3 s, b#1 led from 5 s, and a#1 acted again on waking at 7 s.
        var violations = LeadershipTimeline.Overlaps(processes, [("a#1", At(1)), ("b#1", At(6)), ("a#1", At(7))]);

        var violation = Assert.Single(violations);
        Assert.Contains("b#1 term 2", violation, StringComparison.Ordinal);
        Assert.Contains("while a#1 term 1", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void Acting_before_any_term_is_flagged()
    {
        var violations = LeadershipTimeline.Overlaps([Process("a#1", Elected(5, 1))], [("a#1", At(2))]);

        Assert.Contains(violations, v => v.Contains("a#1 acted 1 time(s) without leading", StringComparison.Ordinal));
    }

    [Fact]
    public void A_term_starts_at_its_election_line_not_at_the_later_gate_line()
    {
        var processes = new[]
        {
            Process("a#1", Elected(0, 1)),
            Process("b#1", Elected(5, 2), Leading(8, 2)),
        };

        // b#1's leader-change event at 6 s falls inside its term; a#1's action at 6.5 s overlaps it.
        var violations = LeadershipTimeline.Overlaps(processes, [("b#1", At(6)), ("a#1", At(6.5))]);

        Assert.Single(violations);
    }

    private static DateTimeOffset At(double seconds) => Start.AddSeconds(seconds);

    private static LeadershipLogLine Elected(double seconds, long generation) => new(At(seconds), LeadershipLogKind.Elected, generation, "holder", "");

    private static LeadershipLogLine Leading(double seconds, long generation) => new(At(seconds), LeadershipLogKind.Leading, generation, "holder", "");

    private static (string Name, IReadOnlyList<LeadershipLogLine> Lines) Process(string name, params LeadershipLogLine[] lines) => (name, lines);
}
