using System.Globalization;
using System.Text;

namespace ZonaProcessManager.Cli.Output;

/// <summary>
/// A table as kubectl prints it: plain columns aligned with spaces, no borders, one line per row. A value never breaks
/// across lines (line breaks, tabs and other control characters become spaces, which also keeps a stored value from
/// sending escape sequences to the terminal), and nothing depends on the terminal: piped output has the same columns.
/// The default view cuts a long value at its column's <see cref="TextColumn.MaxWidth"/> with "…"; the wide view adds
/// the <see cref="TextColumn.WideOnly"/> columns and cuts nothing. Widths count text elements, so a wide (East Asian)
/// character may shift the columns after it by one.
/// </summary>
public sealed class TextTable
{
    public const string Ellipsis = "…";
    public const string Separator = "   ";
    private const string Empty = "-";

    private readonly IReadOnlyList<TextColumn> _columns;
    private readonly List<IReadOnlyList<string>> _rows = [];
    private int[]? _widths;

    public TextTable(params TextColumn[] columns)
    {
        ArgumentOutOfRangeException.ThrowIfZero(columns.Length);
        _columns = columns;
    }

    public IReadOnlyList<TextColumn> Columns => _columns;

    public int RowCount => _rows.Count;

    /// <summary>Adds a row: one value per column, wide-only ones included, in column order.</summary>
    public TextTable AddRow(params string[] cells)
    {
        _rows.Add(CheckRow(cells));
        return this;
    }

    /// <summary>The header (unless <paramref name="headers"/> is false) and every row, aligned.</summary>
    public IReadOnlyList<string> Lines(bool wide, bool headers = true)
    {
        var visible = Visible(wide);
        var rows = _rows.Select(row => Cells(row, visible, wide)).ToList();
        var header = visible.Select(index => _columns[index].Header).ToArray();
        _widths = new int[visible.Length];
        foreach (var row in headers ? rows.Prepend(header) : rows)
        {
            Widen(row);
        }

        var lines = new List<string>(rows.Count + 1);
        if (headers)
        {
            lines.Add(Join(header));
        }

        lines.AddRange(rows.Select(Join));
        return lines;
    }

    /// <summary>Writes <see cref="Lines"/>, one per line.</summary>
    public async Task WriteAsync(TextWriter output, bool wide, bool headers = true)
    {
        foreach (var line in Lines(wide, headers))
        {
            await output.WriteLineAsync(line);
        }
    }

    /// <summary>
    /// One more row, aligned with the lines already written (`--watch`): a column widens when a value needs it, never
    /// narrows.
    /// </summary>
    public string FormatRow(IReadOnlyList<string> cells, bool wide)
    {
        var visible = Visible(wide);
        var row = Cells(CheckRow(cells), visible, wide);
        if (_widths is null || _widths.Length != visible.Length)
        {
            _widths = new int[visible.Length];
        }

        Widen(row);
        return Join(row);
    }

    /// <summary>A value as one cell: control characters as spaces, "-" when empty, cut with "…" past <paramref name="maxWidth"/>.</summary>
    public static string Cell(string? value, int maxWidth)
    {
        var text = OneLine(value);
        if (text.Length == 0)
        {
            return Empty;
        }

        if (maxWidth <= 0 || Width(text) <= maxWidth)
        {
            return text;
        }

        var info = new StringInfo(text);
        return info.SubstringByTextElements(0, Math.Max(maxWidth - 1, 0)).TrimEnd() + Ellipsis;
    }

    public static int Width(string text) => new StringInfo(text).LengthInTextElements;

    private static string OneLine(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        var builder = new StringBuilder(value.Length);
        foreach (var character in value)
        {
            builder.Append(char.IsControl(character) ? ' ' : character);
        }

        return builder.ToString().Trim();
    }

    private IReadOnlyList<string> CheckRow(IReadOnlyList<string> cells) =>
        cells.Count == _columns.Count
            ? cells
            : throw new ArgumentException($"a row needs {_columns.Count} values (one per column), got {cells.Count}", nameof(cells));

    private int[] Visible(bool wide) => [.. Enumerable.Range(0, _columns.Count).Where(index => wide || !_columns[index].WideOnly)];

    private string[] Cells(IReadOnlyList<string> row, int[] visible, bool wide) =>
        [.. visible.Select(index => Cell(row[index], wide ? 0 : _columns[index].MaxWidth))];

    private void Widen(IReadOnlyList<string> row)
    {
        for (var index = 0; index < row.Count; index++)
        {
            _widths![index] = Math.Max(_widths[index], Width(row[index]));
        }
    }

    /// <summary>Pads every cell but the last, so that a line never ends in spaces.</summary>
    private string Join(IReadOnlyList<string> row)
    {
        var builder = new StringBuilder();
        for (var index = 0; index < row.Count; index++)
        {
            builder.Append(row[index]);
            if (index < row.Count - 1)
            {
                builder.Append(' ', _widths![index] - Width(row[index])).Append(Separator);
            }
        }

        return builder.ToString();
    }
}
