namespace ZonaProcessManager.Cli.Output;

/// <summary>One column of a <see cref="TextTable"/>.</summary>
/// <param name="Header">Upper-case heading, as kubectl prints it.</param>
/// <param name="MaxWidth">
/// Longest value the default view prints before cutting it with "…"; 0 never cuts (names and ids, which scripts reuse).
/// `-o wide` never cuts.
/// </param>
/// <param name="WideOnly">Shown only with `-o wide`.</param>
public sealed record TextColumn(string Header, int MaxWidth = 0, bool WideOnly = false);
