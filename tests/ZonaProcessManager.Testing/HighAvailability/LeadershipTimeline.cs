namespace ZonaProcessManager.Testing.HighAvailability;

/// <summary>
/// Checks "never two instances act at once" from what the relays recorded: every action of a process belongs to the
/// term it most recently logged it leads; a term spans from its first line (Elected) to its last action; the spans of
/// different processes must not overlap. A process that acts before any Leading line acts without a term.
/// </summary>
public static class LeadershipTimeline
{
    /// <summary>One term of one process, from its Leading line to its last action (or the Leading line, with none).</summary>
    public sealed record TermSpan(string Instance, long? Generation, DateTimeOffset From, DateTimeOffset To, int Actions)
    {
        public override string ToString() => $"{Instance} term {Generation?.ToString() ?? "?"} {From:HH:mm:ss.fff}..{To:HH:mm:ss.fff} ({Actions} actions)";
    }

    /// <summary>Each process's terms with the span their actions cover.</summary>
    public static IReadOnlyList<TermSpan> Spans(IEnumerable<OperatorProcess> processes, IEnumerable<(string Instance, DateTimeOffset At)> actions, List<string> violations) =>
        Spans(processes.Select(p => (p.Name, p.Lines)), actions, violations);

    /// <summary>Each process's terms (from its leadership lines) with the span their actions cover.</summary>
    public static IReadOnlyList<TermSpan> Spans(IEnumerable<(string Name, IReadOnlyList<LeadershipLogLine> Lines)> processes, IEnumerable<(string Instance, DateTimeOffset At)> actions, List<string> violations)
    {
        var byInstance = actions.GroupBy(a => a.Instance).ToDictionary(g => g.Key, g => g.Select(a => a.At).Order().ToList(), StringComparer.Ordinal);
        var spans = new List<TermSpan>();
        foreach (var process in processes)
        {
            // A term is logged twice, by the election as it takes the lease and by the gate as the loops start; it
            // starts at the first, before the term's first write (its leader-change event).
            var starts = process.Lines.Where(l => l.Kind is LeadershipLogKind.Elected or LeadershipLogKind.Leading).GroupBy(l => l.Generation).Select(g => g.MinBy(l => l.At)!).OrderBy(l => l.At).ToList();
            var times = byInstance.GetValueOrDefault(process.Name) ?? [];
            var beforeAnyTerm = times.Where(t => starts.Count == 0 || t < starts[0].At).ToList();
            if (beforeAnyTerm.Count > 0)
            {
                violations.Add($"{process.Name} acted {beforeAnyTerm.Count} time(s) without leading, first at {beforeAnyTerm[0]:HH:mm:ss.fff}");
            }

            for (var i = 0; i < starts.Count; i++)
            {
                var from = starts[i].At;
                var until = i + 1 < starts.Count ? starts[i + 1].At : DateTimeOffset.MaxValue;
                var mine = times.Where(t => t >= from && t < until).ToList();
                spans.Add(new TermSpan(process.Name, starts[i].Generation, from, mine.Count > 0 ? mine[^1] : from, mine.Count));
            }
        }

        return spans.OrderBy(s => s.From).ToList();
    }

    /// <summary>Every pair of spans of different processes that overlap, described.</summary>
    public static List<string> Overlaps(IEnumerable<OperatorProcess> processes, IEnumerable<(string Instance, DateTimeOffset At)> actions) =>
        Overlaps(processes.Select(p => (p.Name, p.Lines)), actions);

    /// <summary>Every pair of spans of different processes that overlap, described, from each process's leadership lines.</summary>
    public static List<string> Overlaps(IEnumerable<(string Name, IReadOnlyList<LeadershipLogLine> Lines)> processes, IEnumerable<(string Instance, DateTimeOffset At)> actions)
    {
        var violations = new List<string>();
        var spans = Spans(processes, actions, violations);
        for (var i = 0; i < spans.Count; i++)
        {
            for (var j = i + 1; j < spans.Count; j++)
            {
                var (a, b) = (spans[i], spans[j]);
                if (a.Instance != b.Instance && b.From <= a.To)
                {
                    violations.Add($"{b} began while {a} still acted");
                }
            }
        }

        return violations;
    }
}
