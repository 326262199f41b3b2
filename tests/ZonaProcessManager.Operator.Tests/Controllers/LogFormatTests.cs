using System.Text.Json;
using Serilog.Events;
using Serilog.Parsing;
using ZonaProcessManager.Operator.Logging;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Operator.Tests.Controllers;

public sealed class LogFormatTests
{
    private static LogEvent TransitionEvent() => new(
        new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero),
        LogEventLevel.Information,
        null,
        new MessageTemplateParser().Parse("{Resource} {From} -> {To}"),
        [
            new LogEventProperty("Resource", new ScalarValue("ServiceSpec/system/web")),
            new LogEventProperty("From", new ScalarValue("Creating")),
            new LogEventProperty("To", new ScalarValue("Running")),
        ]);

    [Fact]
    public void Json_format_writes_one_compact_json_object_per_line_with_the_resource_as_a_property()
    {
        using var output = new StringWriter();
        OperatorLogging.CreateFormatter(new OperatorSettings { LogFormat = LogFormat.Json }).Format(TransitionEvent(), output);

        var line = Assert.Single(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using var json = JsonDocument.Parse(line);
        Assert.Equal("ServiceSpec/system/web", json.RootElement.GetProperty("Resource").GetString());
        Assert.Equal("Running", json.RootElement.GetProperty("To").GetString());
        Assert.Equal("{Resource} {From} -> {To}", json.RootElement.GetProperty("@mt").GetString());
    }

    [Fact]
    public void Pretty_format_is_the_default_and_writes_a_readable_line()
    {
        using var output = new StringWriter();
        var settings = new OperatorSettings();
        OperatorLogging.CreateFormatter(settings).Format(TransitionEvent(), output);

        Assert.Equal(LogFormat.Pretty, settings.LogFormat);
        Assert.Equal("[12:00:00.000 INF] ServiceSpec/system/web Creating -> Running", output.ToString().TrimEnd());
    }
}
