using System.Globalization;
using Serilog;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Operator.Logging;

/// <summary>
/// The operator's Serilog configuration: structured events (the resource key is a property, not just text), written as
/// pretty console lines or, with LogFormat.Json, as compact JSON (CLEF) one event per line.
/// </summary>
public static class OperatorLogging
{
    public const string PrettyTemplate = "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {Message:lj}{NewLine}{Exception}";

    public static LoggerConfiguration Configure(LoggerConfiguration configuration, OperatorSettings settings)
    {
        configuration
            .MinimumLevel.Is(settings.VerboseLogging ? LogEventLevel.Debug : LogEventLevel.Information)
            // The host's own chatter (lifetime, DI) is noise next to the operator's lines.
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .Enrich.FromLogContext();
        return settings.LogFormat == LogFormat.Json
            ? configuration.WriteTo.Console(CreateFormatter(settings))
            : configuration.WriteTo.Console(outputTemplate: PrettyTemplate, formatProvider: CultureInfo.InvariantCulture);
    }

    /// <summary>How one event becomes text for the chosen format (the console sink adds colours for Pretty).</summary>
    public static ITextFormatter CreateFormatter(OperatorSettings settings) => settings.LogFormat == LogFormat.Json
        ? new CompactJsonFormatter()
        : new MessageTemplateTextFormatter(PrettyTemplate, CultureInfo.InvariantCulture);

    public static Serilog.Core.Logger CreateLogger(OperatorSettings settings) => Configure(new LoggerConfiguration(), settings).CreateLogger();
}
