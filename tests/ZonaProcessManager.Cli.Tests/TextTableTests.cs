using ZonaProcessManager.Cli.Output;

namespace ZonaProcessManager.Cli.Tests;

/// <summary>The plain table every `get` prints: what a reader in an 80-column terminal and a script in a pipe both rely on.</summary>
public sealed class TextTableTests
{
    private static TextTable Services() => new TextTable(
            new TextColumn("TENANT"), new TextColumn("NAME"), new TextColumn("PHASE"), new TextColumn("IMAGE", MaxWidth: 20),
            new TextColumn("MESSAGE", WideOnly: true))
        .AddRow("acme", "web", "Running", "zpm/busybox:latest", "all 2 replicas ready")
        .AddRow("globex-long-tenant", "api", "Degraded", "registry.example.com/team/very-long-image-name:1.2.3", "replica 1 unhealthy");

    [Fact]
    public void Columns_are_aligned_with_spaces_without_borders_and_no_line_ends_in_spaces()
    {
        var lines = Services().Lines(wide: false);

        Assert.Equal(
            [
                "TENANT               NAME   PHASE      IMAGE",
                "acme                 web    Running    zpm/busybox:latest",
                "globex-long-tenant   api    Degraded   registry.example.co…",
            ],
            lines);
        Assert.All(lines, line => Assert.DoesNotMatch(@"[|│─┌└]|\s$", line));
    }

    [Fact]
    public void A_long_value_is_cut_with_an_ellipsis_at_its_column_maximum_only_in_the_default_view()
    {
        var narrow = Services().Lines(wide: false);
        var wide = Services().Lines(wide: true);

        var cut = narrow[2].Split("   ", StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.Equal(20, TextTable.Width(cut));
        Assert.EndsWith("…", cut);
        Assert.Contains("registry.example.com/team/very-long-image-name:1.2.3", wide[2]);
        Assert.DoesNotContain("…", string.Join('\n', wide));
    }

    [Fact]
    public void Wide_adds_its_columns_and_no_headers_leaves_out_only_the_header()
    {
        var wide = Services().Lines(wide: true);
        var bare = Services().Lines(wide: false, headers: false);

        Assert.Matches(@"^TENANT\s+NAME\s+PHASE\s+IMAGE\s+MESSAGE$", wide[0]);
        Assert.EndsWith("all 2 replicas ready", wide[1]);
        Assert.Equal(2, bare.Count);
        Assert.Equal(["acme", "web", "Running", "zpm/busybox:latest"], bare[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^globex-long-tenant\s+api\s+Degraded\s+registry\.example\.co…$", bare[1]);
    }

    [Fact]
    public void A_value_never_breaks_across_lines_and_cannot_send_escape_sequences()
    {
        var table = new TextTable(new TextColumn("NAME"), new TextColumn("MESSAGE"))
            .AddRow("web", "first line\nsecond\tline\r\n")
            .AddRow("evil", "\u001b[31mred\u001b[0m")
            .AddRow("", "");

        var lines = table.Lines(wide: false);

        Assert.Equal(4, lines.Count);
        Assert.Equal("web    first line second line", lines[1]);
        Assert.DoesNotContain("\u001b", string.Join('\n', lines));
        Assert.Equal("-      -", lines[3]);
    }

    [Fact]
    public void Every_row_is_one_line_however_long_so_nothing_depends_on_the_terminal_width()
    {
        var table = new TextTable(new TextColumn("NAME"), new TextColumn("PORTS"), new TextColumn("MESSAGE", MaxWidth: 40));
        for (var index = 0; index < 5; index++)
        {
            table.AddRow($"integration-{index}", "http:23612,admin:23613,metrics:23614", string.Concat(Enumerable.Repeat("Running ", 30)));
        }

        var lines = table.Lines(wide: false);

        Assert.Equal(6, lines.Count);
        Assert.All(lines.Skip(1), line => Assert.Contains("http:23612,admin:23613,metrics:23614", line));
        Assert.All(lines.Skip(1), line => Assert.EndsWith("Running Running Running Running Running…", line));
    }

    [Fact]
    public void A_watched_row_lines_up_with_the_table_printed_before_it_and_widens_a_column_when_needed()
    {
        var table = Services();
        var printed = table.Lines(wide: false);

        var same = table.FormatRow(["acme", "web", "Pending", "zpm/busybox:latest", ""], wide: false);
        var longer = table.FormatRow(["a-tenant-longer-than-any-before", "web", "Running", "x", ""], wide: false);

        Assert.Equal(printed[1].IndexOf("Running", StringComparison.Ordinal), same.IndexOf("Pending", StringComparison.Ordinal));
        Assert.Equal("acme                 web    Pending    zpm/busybox:latest", same);
        Assert.StartsWith("a-tenant-longer-than-any-before   web", longer);
    }

    [Fact]
    public void A_row_with_the_wrong_number_of_values_is_refused()
    {
        var table = new TextTable(new TextColumn("A"), new TextColumn("B"));

        var refused = Assert.Throws<ArgumentException>(() => table.AddRow("only one"));

        Assert.Contains("needs 2 values", refused.Message);
    }
}
