namespace ZonaProcessManager.Cli.Output;

/// <summary>
/// A titled table inside `zpm describe`, as `kubectl describe` prints one: "Title:" and the table indented under it,
/// or "Title: &lt;none&gt;". Plain text (<see cref="TextTable"/>, wide view: describe cuts nothing), so it reads the same
/// in any terminal width and in a pipe.
/// </summary>
public static class DescribeSection
{
    public static void Write(TextWriter output, string title, TextTable table)
    {
        if (table.RowCount == 0)
        {
            output.WriteLine($"{title}: <none>");
            return;
        }

        output.WriteLine(title + ":");
        foreach (var line in table.Lines(wide: true))
        {
            output.WriteLine("  " + line);
        }
    }
}
