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
/// pretty console lines or, with LogFormat.Json, as compact JSON (CLEF) one event per line. Properties of log scopes
/// (a reconcile's Resource and ReconcileId, see <see cref="ReconcileLogScope"/>) are properties of every line within them:
/// JSON carries them as they are, the pretty line starts with the resource key.
/// </summary>
public static class OperatorLogging
{
    // A line without a ResourcePrefix (outside a reconcile, or naming {Resource} in its message) prints no prefix.
    public const string PrettyTemplate = "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {ResourcePrefix}{Message:lj}{NewLine}{Exception}";

    public static LoggerConfiguration Configure(LoggerConfiguration configuration, OperatorSettings settings) =>
        settings.LogFormat == LogFormat.Json
            ? ConfigureEvents(configuration, settings).WriteTo.Console(CreateFormatter(settings))
            : ConfigureEvents(configuration, settings).WriteTo.Console(outputTemplate: PrettyTemplate, formatProvider: CultureInfo.InvariantCulture);

    /// <summary>Levels and enrichment for the chosen format, without a sink (tests add their own).</summary>
    public static LoggerConfiguration ConfigureEvents(LoggerConfiguration configuration, OperatorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        configuration
            .MinimumLevel.Is(settings.VerboseLogging ? LogEventLevel.Debug : LogEventLevel.Information)
            // The host's own chatter (lifetime, DI) is noise next to the operator's lines.
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .Enrich.FromLogContext();
        // JSON carries the scope's Resource as it is; only the pretty line needs it as a prefix.
        return settings.LogFormat == LogFormat.Json ? configuration : configuration.Enrich.With<ResourcePrefixEnricher>();
    }

    /// <summary>How one event becomes text for the chosen format (the console sink adds colours for Pretty).</summary>
    public static ITextFormatter CreateFormatter(OperatorSettings settings) => settings.LogFormat == LogFormat.Json
        ? new CompactJsonFormatter()
        : new MessageTemplateTextFormatter(PrettyTemplate, CultureInfo.InvariantCulture);

    public static Serilog.Core.Logger CreateLogger(OperatorSettings settings) => Configure(new LoggerConfiguration(), settings).CreateLogger();
}
