using MongoDB.Bson;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Validation;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Cli.Integrations;

/// <summary>A manifest of a multi-tenant kind (catalog, tenant, integration) that passed <see cref="IntegrationManifests.Check"/>, ready to upsert.</summary>
public sealed record CheckedManifest(string Kind, string Name, string? Tenant, BsonDocument Spec)
{
    /// <summary>How apply names it in its output, e.g. integrationspec/acme/http-echo.</summary>
    public string Display => Kind.ToLowerInvariant() + "/" + (Tenant is null ? Name : Tenant + "/" + Name);
}

/// <summary>
/// Structural checks of IntegrationDefinition, Tenant and IntegrationSpec manifests before `zpm apply` writes them, so
/// the user sees every problem of a document at once, named by field path. The operator checks the meaning (does the
/// integration_id exist, are required parameters given) and reports it in status.
/// </summary>
public static class IntegrationManifests
{
    public static readonly IReadOnlySet<string> Kinds = new HashSet<string>(StringComparer.Ordinal)
    {
        IntegrationDefinition.KindName, Tenant.KindName, IntegrationSpec.KindName,
    };

    /// <summary>Null and the problems (joined) when the document is not a valid manifest of its kind.</summary>
    public static CheckedManifest? Check(BsonDocument document, out string? problem)
    {
        var problems = new List<string>();
        var kind = document.GetValue(DocumentFields.Kind, BsonNull.Value) is { IsString: true } kindValue ? kindValue.AsString : "";
        if (document.GetValue(DocumentFields.ApiVersion, BsonNull.Value) is { IsBsonNull: false } apiVersion
            && !(apiVersion.IsString && apiVersion.AsString == IntegrationDocuments.ApiVersion))
        {
            problems.Add($"apiVersion must be \"{IntegrationDocuments.ApiVersion}\", got {apiVersion}");
        }

        var metadata = document.GetValue(DocumentFields.Metadata, BsonNull.Value) as BsonDocument;
        var name = NonEmpty(metadata, "name");
        if (name is null)
        {
            problems.Add("metadata.name is required");
        }
        else if (!DnsLabel.IsValid(name))
        {
            problems.Add(DnsLabel.Problem("metadata.name", name));
        }

        string? tenant = null;
        if (kind == IntegrationSpec.KindName)
        {
            tenant = NonEmpty(metadata, "tenant");
            if (tenant is null)
            {
                problems.Add("metadata.tenant is required");
            }
            else if (!DnsLabel.IsValid(tenant))
            {
                problems.Add(DnsLabel.Problem("metadata.tenant", tenant));
            }
        }

        var specValue = document.GetValue(DocumentFields.Spec, BsonNull.Value);
        var spec = specValue as BsonDocument;
        if (spec is null && !(kind == Tenant.KindName && specValue.IsBsonNull))
        {
            problems.Add("spec is required and must be an object");
        }

        spec = spec?.DeepClone().AsBsonDocument ?? [];
        switch (kind)
        {
            case IntegrationDefinition.KindName:
                CheckDefinition(spec, problems);
                break;
            case Tenant.KindName:
                CheckTenant(spec, problems);
                break;
            case IntegrationSpec.KindName:
                CheckIntegration(spec, problems);
                break;
        }

        var label = (tenant is null ? "" : tenant + "/") + (name ?? "(unnamed)");
        if (problems.Count > 0)
        {
            problem = $"{kind} {label}: {string.Join("; ", problems)}";
            return null;
        }

        problem = null;
        return new CheckedManifest(kind, name!, tenant, spec);
    }

    private static void CheckDefinition(BsonDocument spec, List<string> problems)
    {
        UnknownFields(spec, "spec", IntegrationDocumentMapper.KnownDefinitionSpecFields, problems);
        NonNegativeInteger(spec, "integration_id", required: true, problems);
        if (NonEmpty(spec, "image") is null)
        {
            problems.Add("spec.image is required (a non-empty string)");
        }

        var portNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (port, index) in Items(spec, "ports", problems))
        {
            var path = $"spec.ports[{index}]";
            var portName = NonEmpty(port, "name");
            if (portName is null)
            {
                problems.Add(path + ".name is required");
            }
            else if (!portNames.Add(portName))
            {
                problems.Add($"{path}.name \"{portName}\" is used twice");
            }

            if (port.GetValue("container", BsonNull.Value) is not { IsInt32: true } container || container.AsInt32 is < 1 or > 65535)
            {
                problems.Add(path + ".container must be an integer between 1 and 65535");
            }
        }

        var parameterNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (parameter, index) in Items(spec, "parameters", problems))
        {
            var path = $"spec.parameters[{index}]";
            UnknownFields(parameter, path, IntegrationDocumentMapper.KnownParameterFields, problems);
            var parameterName = NonEmpty(parameter, "name");
            if (parameterName is null)
            {
                problems.Add(path + ".name is required");
            }
            else if (!parameterNames.Add(parameterName))
            {
                problems.Add($"{path}.name \"{parameterName}\" is used twice");
            }

            if (NonEmpty(parameter, "env") is null)
            {
                problems.Add(path + ".env is required");
            }

            foreach (var flag in new[] { "required", "secret" })
            {
                if (parameter.TryGetValue(flag, out var value) && !value.IsBoolean)
                {
                    problems.Add($"{path}.{flag} must be true or false");
                }
            }

            if (parameter.TryGetValue("default", out var defaultValue) && !defaultValue.IsBsonNull)
            {
                parameter["default"] = ScalarText(defaultValue) ?? defaultValue;
                if (!parameter["default"].IsString)
                {
                    problems.Add(path + ".default must be a string");
                }
            }
        }
    }

    private static void CheckTenant(BsonDocument spec, List<string> problems)
    {
        UnknownFields(spec, "spec", IntegrationDocumentMapper.KnownTenantSpecFields, problems);
        if (spec.TryGetValue("displayName", out var displayName) && !displayName.IsString)
        {
            problems.Add("spec.displayName must be a string");
        }

        if (spec.TryGetValue("suspended", out var suspended) && !suspended.IsBoolean)
        {
            problems.Add("spec.suspended must be true or false");
        }
    }

    private static void CheckIntegration(BsonDocument spec, List<string> problems)
    {
        UnknownFields(spec, "spec", IntegrationDocumentMapper.KnownIntegrationSpecFields, problems);
        NonNegativeInteger(spec, "integration_id", required: true, problems);
        if (spec.TryGetValue("enabled", out var enabled) && !enabled.IsBoolean)
        {
            problems.Add("spec.enabled must be true or false");
        }

        if (spec.TryGetValue("replicas", out var replicas) && !(replicas.IsInt32 && replicas.AsInt32 >= 0))
        {
            problems.Add("spec.replicas must be an integer ≥ 0");
        }

        if (spec.TryGetValue("parameters", out var parametersValue))
        {
            if (parametersValue is not BsonDocument parameters)
            {
                problems.Add("spec.parameters must be an object of name: value");
                return;
            }

            // YAML reads `port: 8080` as a number; parameters reach the container as env strings, so store them as such.
            foreach (var element in parameters.ToList())
            {
                if (ScalarText(element.Value) is { } text)
                {
                    parameters[element.Name] = text;
                }
                else
                {
                    problems.Add($"spec.parameters.{element.Name} must be a string, number or boolean");
                }
            }
        }
    }

    private static BsonString? ScalarText(BsonValue value) => value.BsonType switch
    {
        BsonType.String => (BsonString)value,
        BsonType.Int32 or BsonType.Int64 or BsonType.Double or BsonType.Decimal128 =>
            new BsonString(Convert.ToString(BsonTypeMapper.MapToDotNetValue(value), System.Globalization.CultureInfo.InvariantCulture)),
        BsonType.Boolean => new BsonString(value.AsBoolean ? "true" : "false"),
        _ => null,
    };

    private static IEnumerable<(BsonDocument Item, int Index)> Items(BsonDocument spec, string field, List<string> problems)
    {
        if (!spec.TryGetValue(field, out var value) || value.IsBsonNull)
        {
            yield break;
        }

        if (value is not BsonArray array)
        {
            problems.Add($"spec.{field} must be a list");
            yield break;
        }

        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is BsonDocument item)
            {
                yield return (item, i);
            }
            else
            {
                problems.Add($"spec.{field}[{i}] must be an object");
            }
        }
    }

    private static void NonNegativeInteger(BsonDocument spec, string field, bool required, List<string> problems)
    {
        if (!spec.TryGetValue(field, out var value))
        {
            if (required)
            {
                problems.Add($"spec.{field} is required (an integer ≥ 0)");
            }

            return;
        }

        if (!(value.IsInt32 && value.AsInt32 >= 0))
        {
            problems.Add($"spec.{field} must be an integer ≥ 0, got {value}");
        }
    }

    private static void UnknownFields(BsonDocument document, string path, IReadOnlySet<string> known, List<string> problems)
    {
        foreach (var name in document.Names.Where(name => !known.Contains(name)))
        {
            problems.Add($"{path}.{name} is not a known field");
        }
    }

    private static string? NonEmpty(BsonDocument? document, string field) =>
        document is not null && document.TryGetValue(field, out var value) && value.IsString && value.AsString.Length > 0 ? value.AsString : null;
}
