using System.Globalization;
using Serilog.Core;
using Serilog.Events;
using Serilog.Parsing;

namespace ZonaProcessManager.Operator.Logging;

/// <summary>
/// For the pretty console: a line that carries a resource key (from the reconcile's log scope) without naming it in its
/// message gets the key as <see cref="PropertyName"/>, which the output template prints before the message. A message
/// that names {Resource} itself already shows it, so the key is never printed twice.
/// </summary>
public sealed class ResourcePrefixEnricher : ILogEventEnricher
{
    public const string PropertyName = "ResourcePrefix";

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        if (!logEvent.Properties.TryGetValue(ReconcileLogScope.ResourceProperty, out var resource)
            || logEvent.MessageTemplate.Tokens.OfType<PropertyToken>().Any(t => t.PropertyName == ReconcileLogScope.ResourceProperty))
        {
            return;
        }

        var text = resource is ScalarValue scalar
            ? Convert.ToString(scalar.Value, CultureInfo.InvariantCulture)
            : resource.ToString(null, CultureInfo.InvariantCulture);
        logEvent.AddPropertyIfAbsent(new LogEventProperty(PropertyName, new ScalarValue(text + " ")));
    }
}
