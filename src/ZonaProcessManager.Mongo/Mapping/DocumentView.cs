using System.Globalization;
using MongoDB.Bson;
using ZonaProcessManager.Domain.Integrations;

namespace ZonaProcessManager.Mongo.Mapping;

/// <summary>
/// Tolerant read-only views of stored resource documents for display (`zpm get`, `describe`, `port`): where the typed
/// readers give up on a whole document that breaks the contract, these read each field on its own, so a broken
/// document still lists and shows what can be read. Secret values are masked the way the operator masks them.
/// </summary>
public static class DocumentView
{
    public static BsonDocument? Spec(BsonDocument document) => document.GetValue(DocumentFields.Spec, BsonNull.Value) as BsonDocument;

    public static BsonDocument? Status(BsonDocument document) => document.GetValue(DocumentFields.Status, BsonNull.Value) as BsonDocument;

    public static BsonDocument Metadata(BsonDocument document) => document.GetValue(DocumentFields.Metadata, BsonNull.Value) as BsonDocument ?? [];

    /// <summary>A field as text: strings as they are, dates as "u", other values in their invariant form; missing or null gives <paramref name="fallback"/>.</summary>
    public static string Text(BsonDocument? document, string field, string fallback = "") =>
        document is not null && document.TryGetValue(field, out var value) && !value.IsBsonNull
            ? value switch
            {
                BsonString text => text.AsString,
                BsonDateTime time => time.ToUniversalTime().ToString("u", CultureInfo.InvariantCulture),
                _ => Convert.ToString(BsonTypeMapper.MapToDotNetValue(value), CultureInfo.InvariantCulture) ?? fallback,
            }
            : fallback;

    /// <summary>metadata.name, or the `_id`'s text when there is none.</summary>
    public static string NameOf(BsonDocument document) => Text(Metadata(document), "name", DocumentIds.ToUid(document.GetValue(DocumentFields.Id, BsonNull.Value)));

    public static string TenantOf(BsonDocument document) => Text(Metadata(document), "tenant");

    public static bool DeletionRequested(BsonDocument document) =>
        Metadata(document).GetValue("deletionRequested", false) is { IsBoolean: true, AsBoolean: true };

    /// <summary>spec.integration_id of a catalog entry or IntegrationSpec when it is an integral number in int range, else null.</summary>
    public static int? IntegrationIdOf(BsonDocument document) =>
        Spec(document)?.GetValue("integration_id", BsonNull.Value) switch
        {
            { IsInt32: true } value => value.AsInt32,
            { IsInt64: true } value when value.AsInt64 is >= int.MinValue and <= int.MaxValue => (int)value.AsInt64,
            { IsDouble: true } value when value.AsDouble == Math.Floor(value.AsDouble) && Math.Abs(value.AsDouble) < int.MaxValue => (int)value.AsDouble,
            _ => null,
        };

    /// <summary>The catalog entry an IntegrationSpec refers to by spec.integration_id, or null.</summary>
    public static BsonDocument? DefinitionFor(IEnumerable<BsonDocument> catalog, BsonDocument integration) =>
        IntegrationIdOf(integration) is { } id ? catalog.FirstOrDefault(entry => IntegrationIdOf(entry) == id) : null;

    /// <summary>Names of the parameters a catalog entry marks secret.</summary>
    public static IReadOnlySet<string> SecretParameterNames(BsonDocument? definition) =>
        (Spec(definition ?? [])?.GetValue("parameters", BsonNull.Value) as BsonArray ?? [])
            .OfType<BsonDocument>()
            .Where(parameter => parameter.GetValue("secret", false) is { IsBoolean: true, AsBoolean: true })
            .Select(parameter => Text(parameter, "name"))
            .Where(name => name.Length > 0)
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// A copy of an IntegrationSpec document with the values of its secret parameters replaced by ***. Without its
    /// catalog entry nobody can tell which are secret, so then every value is masked.
    /// </summary>
    public static BsonDocument MaskIntegration(BsonDocument integration, BsonDocument? definition)
    {
        var copy = integration.DeepClone().AsBsonDocument;
        var secrets = SecretParameterNames(definition);
        if (Spec(copy)?.GetValue("parameters", BsonNull.Value) is BsonDocument parameters)
        {
            foreach (var name in parameters.Names.Where(name => definition is null || secrets.Contains(name)).ToList())
            {
                parameters[name] = SecretRedactor.Mask;
            }
        }

        return copy;
    }

    /// <summary>A copy of a catalog entry with the defaults of its secret parameters replaced by ***.</summary>
    public static BsonDocument MaskDefinition(BsonDocument definition)
    {
        var copy = definition.DeepClone().AsBsonDocument;
        foreach (var parameter in (Spec(copy)?.GetValue("parameters", BsonNull.Value) as BsonArray ?? []).OfType<BsonDocument>())
        {
            if (parameter.GetValue("secret", false) is { IsBoolean: true, AsBoolean: true } && parameter.Contains("default") && !parameter["default"].IsBsonNull)
            {
                parameter["default"] = SecretRedactor.Mask;
            }
        }

        return copy;
    }

    /// <summary>A copy of a ServiceSpec document with the env vars its `zpm.secret-env` annotation names replaced by ***.</summary>
    public static BsonDocument MaskService(BsonDocument service)
    {
        var copy = service.DeepClone().AsBsonDocument;
        var annotations = Metadata(copy).GetValue("annotations", BsonNull.Value) as BsonDocument;
        var names = Text(annotations, SecretRedactor.SecretEnvAnnotation)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length > 0 && Spec(copy)?.GetValue("env", BsonNull.Value) is BsonDocument env)
        {
            foreach (var name in names.Where(env.Contains))
            {
                env[name] = SecretRedactor.Mask;
            }
        }

        return copy;
    }
}
