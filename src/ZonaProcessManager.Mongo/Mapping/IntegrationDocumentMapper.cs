using System.Globalization;
using MongoDB.Bson;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Validation;

namespace ZonaProcessManager.Mongo.Mapping;

/// <summary>
/// Tolerant readers and writers of the multi-tenant documents (catalog, tenants, integrations, port_allocations), in the
/// style of <see cref="ServiceDocumentMapper"/>: reading never throws; a document that cannot be understood comes back
/// with a null model and an InvalidReason naming every bad field, so the operator reports it and carries on.
/// </summary>
public static class IntegrationDocumentMapper
{
    /// <summary>The fields a catalog entry's `spec` may have; the readers refuse others, and so does `zpm apply`.</summary>
    public static IReadOnlySet<string> KnownDefinitionSpecFields { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "integration_id", "title", "executable", "image", "command", "ports", "parameters", "healthCheck", "resources",
    };

    /// <summary>The fields of one entry of a catalog entry's `spec.ports`.</summary>
    public static IReadOnlySet<string> KnownDefinitionPortFields { get; } = new HashSet<string>(StringComparer.Ordinal) { "name", "container" };

    /// <summary>The fields of one entry of a catalog entry's `spec.parameters`.</summary>
    public static IReadOnlySet<string> KnownParameterFields { get; } = new HashSet<string>(StringComparer.Ordinal) { "name", "env", "required", "secret", "default" };

    /// <summary>The fields a Tenant's `spec` may have.</summary>
    public static IReadOnlySet<string> KnownTenantSpecFields { get; } = new HashSet<string>(StringComparer.Ordinal) { "displayName", "suspended" };

    /// <summary>The fields an IntegrationSpec's `spec` may have.</summary>
    public static IReadOnlySet<string> KnownIntegrationSpecFields { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "integration_id", "enabled", "parameters", "replicas",
    };

    public static StoredDefinition ReadDefinition(BsonDocument document)
    {
        var reader = new FieldReader();
        var uid = DocumentIds.ToUid(document.GetValue(DocumentFields.Id, BsonNull.Value));
        var key = DocumentIds.KeyOf(IntegrationDefinition.KindName, document);
        CheckHeader(reader, document, IntegrationDefinition.KindName);
        var metadata = ReadMetadata(reader, document, tenantRequired: false);
        var spec = ReadDefinitionSpec(reader, document);
        if (reader.Problems.Count == 0 && metadata is not null && spec is not null)
        {
            return new StoredDefinition(key, uid, new IntegrationDefinition { Metadata = metadata, Spec = spec }, null);
        }

        return new StoredDefinition(key, uid, null, Reason(reader));
    }

    public static StoredTenant ReadTenant(BsonDocument document)
    {
        var reader = new FieldReader();
        var uid = DocumentIds.ToUid(document.GetValue(DocumentFields.Id, BsonNull.Value));
        var key = DocumentIds.KeyOf(Tenant.KindName, document);
        CheckHeader(reader, document, Tenant.KindName);
        var metadata = ReadMetadata(reader, document, tenantRequired: false);
        var spec = ReadTenantSpec(reader, document);
        var status = TryReadTenantStatus(document.GetValue(DocumentFields.Status, BsonNull.Value));
        var deletionRequested = metadata?.DeletionRequested ?? DeletionRequestedOf(document);
        if (reader.Problems.Count == 0 && metadata is not null)
        {
            // A tenant is its own tenant: the code is the name, whatever metadata.tenant might say.
            var tenant = new Tenant { Metadata = metadata with { Tenant = metadata.Name }, Spec = spec };
            return new StoredTenant(key, uid, tenant, null, status, deletionRequested);
        }

        return new StoredTenant(key, uid, null, Reason(reader), status, deletionRequested);
    }

    public static StoredIntegration ReadIntegration(BsonDocument document)
    {
        var reader = new FieldReader();
        var uid = DocumentIds.ToUid(document.GetValue(DocumentFields.Id, BsonNull.Value));
        var key = DocumentIds.KeyOf(IntegrationSpec.KindName, document);
        CheckHeader(reader, document, IntegrationSpec.KindName);
        var metadata = ReadMetadata(reader, document, tenantRequired: true);
        var spec = ReadIntegrationSpec(reader, document);
        var status = TryReadIntegrationStatus(document.GetValue(DocumentFields.Status, BsonNull.Value));
        var owners = metadata?.OwnerReferences ?? OwnerReferencesOf(document);
        if (reader.Problems.Count == 0 && metadata is not null && spec is not null)
        {
            return new StoredIntegration(key, uid, new IntegrationSpec { Metadata = metadata, Spec = spec }, null, status, owners);
        }

        return new StoredIntegration(key, uid, null, Reason(reader), status, owners);
    }

    /// <summary>
    /// A port_allocations document, or null when it has no usable port. Missing owner fields read as "" so that an
    /// odd document still counts its port as taken rather than vanishing from the allocator's view.
    /// </summary>
    public static PortAllocation? ReadPortAllocation(BsonDocument document)
    {
        if (!document.TryGetValue(PortAllocationFields.Port, out var port) || !port.IsNumeric)
        {
            return null;
        }

        var number = port.ToDouble();
        if (Math.Floor(number) != number || number is < 1 or > 65535)
        {
            return null;
        }

        return new PortAllocation(
            StatusDocumentMapper.StringOrNull(document, PortAllocationFields.Tenant) ?? "",
            StatusDocumentMapper.StringOrNull(document, PortAllocationFields.Integration) ?? "",
            StatusDocumentMapper.StringOrNull(document, PortAllocationFields.PortName) ?? "",
            (int)number);
    }

    /// <summary>A new catalog document (zpm `_id` "&lt;name&gt;"), in exactly the shape <see cref="ReadDefinition"/> reads back.</summary>
    public static BsonDocument ToDocument(IntegrationDefinition definition)
    {
        var spec = definition.Spec;
        var specDocument = new BsonDocument
        {
            ["integration_id"] = spec.IntegrationId,
            ["title"] = spec.Title,
            ["executable"] = spec.Executable,
            ["image"] = spec.Image,
            ["command"] = new BsonArray(spec.Command),
            ["ports"] = new BsonArray(spec.Ports.Select(port => new BsonDocument { ["name"] = port.Name, ["container"] = port.Container })),
            ["parameters"] = new BsonArray(spec.Parameters.Select(parameter => new BsonDocument
            {
                ["name"] = parameter.Name,
                ["env"] = parameter.Env,
                ["required"] = parameter.Required,
                ["secret"] = parameter.Secret,
                ["default"] = parameter.Default is null ? BsonNull.Value : parameter.Default,
            })),
        };
        if (spec.HealthCheck is not null)
        {
            specDocument["healthCheck"] = ServiceSpecDocuments.HealthCheckDocument(spec.HealthCheck);
        }

        if (spec.Resources is not null)
        {
            specDocument["resources"] = ServiceSpecDocuments.ResourcesDocument(spec.Resources);
        }

        return new BsonDocument
        {
            [DocumentFields.Id] = DocumentIds.IdFor(IntegrationKeys.Definition(definition.Metadata.Name)),
            [DocumentFields.ApiVersion] = ServiceSpec.ApiVersion,
            [DocumentFields.Kind] = IntegrationDefinition.KindName,
            [DocumentFields.Metadata] = new BsonDocument("name", definition.Metadata.Name),
            [DocumentFields.Spec] = specDocument,
        };
    }

    /// <summary>A new tenant document (zpm `_id` "&lt;code&gt;"), without status.</summary>
    public static BsonDocument ToDocument(Tenant tenant)
    {
        var spec = new BsonDocument { ["suspended"] = tenant.Spec.Suspended };
        if (tenant.Spec.DisplayName is not null)
        {
            spec["displayName"] = tenant.Spec.DisplayName;
        }

        return new BsonDocument
        {
            [DocumentFields.Id] = DocumentIds.IdFor(IntegrationKeys.Tenant(tenant.Code)),
            [DocumentFields.ApiVersion] = ServiceSpec.ApiVersion,
            [DocumentFields.Kind] = Tenant.KindName,
            [DocumentFields.Metadata] = new BsonDocument("name", tenant.Code),
            [DocumentFields.Spec] = spec,
        };
    }

    /// <summary>A new IntegrationSpec document (zpm `_id` "&lt;tenant&gt;/&lt;name&gt;"), without status.</summary>
    public static BsonDocument ToDocument(IntegrationSpec integration)
    {
        var metadata = new BsonDocument { ["name"] = integration.Metadata.Name, ["tenant"] = integration.Metadata.Tenant };
        if (integration.Metadata.OwnerReferences.Count > 0)
        {
            metadata["ownerReferences"] = ServiceSpecDocuments.OwnerReferences(integration.Metadata.OwnerReferences);
        }

        return new BsonDocument
        {
            [DocumentFields.Id] = DocumentIds.IdFor(integration.Key),
            [DocumentFields.ApiVersion] = ServiceSpec.ApiVersion,
            [DocumentFields.Kind] = IntegrationSpec.KindName,
            [DocumentFields.Metadata] = metadata,
            [DocumentFields.Spec] = new BsonDocument
            {
                ["integration_id"] = integration.Spec.IntegrationId,
                ["enabled"] = integration.Spec.Enabled,
                ["parameters"] = ServiceSpecDocuments.StringMap(integration.Spec.Parameters),
                ["replicas"] = integration.Spec.Replicas,
            },
        };
    }

    public static BsonDocument ToDocument(PortAllocation allocation, DateTimeOffset allocatedAt) => new()
    {
        [DocumentFields.Id] = PortAllocationFields.IdFor(allocation.Owner),
        [PortAllocationFields.Tenant] = allocation.Tenant,
        [PortAllocationFields.Integration] = allocation.Integration,
        [PortAllocationFields.PortName] = allocation.PortName,
        [PortAllocationFields.Port] = allocation.Port,
        [PortAllocationFields.AllocatedAt] = new BsonDateTime(allocatedAt.UtcDateTime),
    };

    public static BsonDocument ToDocument(TenantStatus status) => new()
    {
        ["phase"] = status.Phase.ToString(),
        ["integrations"] = new BsonDocument { ["desired"] = status.Integrations.Desired, ["running"] = status.Integrations.Running },
        ["network"] = status.Network is null ? BsonNull.Value : status.Network,
        ["message"] = status.Message is null ? BsonNull.Value : status.Message,
        ["conditions"] = StatusDocumentMapper.ConditionsToArray(status.Conditions),
        ["updatedAt"] = new BsonDateTime(status.UpdatedAt.UtcDateTime),
    };

    /// <summary>Ports carry only names and numbers: no parameter value (secret or not) is ever part of a status.</summary>
    public static BsonDocument ToDocument(IntegrationStatus status) => new()
    {
        ["phase"] = status.Phase.ToString(),
        ["service"] = status.Service is null ? BsonNull.Value : status.Service,
        ["ports"] = new BsonArray(status.Ports.Select(port => new BsonDocument
        {
            ["name"] = port.Name,
            ["container"] = port.Container,
            ["host"] = port.Host,
        })),
        ["message"] = status.Message is null ? BsonNull.Value : status.Message,
        ["conditions"] = StatusDocumentMapper.ConditionsToArray(status.Conditions),
        ["updatedAt"] = new BsonDateTime(status.UpdatedAt.UtcDateTime),
    };

    /// <summary>Reads a status written by the operator; anything unreadable gives null.</summary>
    public static TenantStatus? TryReadTenantStatus(BsonValue value)
    {
        if (value is not BsonDocument document)
        {
            return null;
        }

        var counts = document.GetValue("integrations", BsonNull.Value) as BsonDocument;
        return new TenantStatus
        {
            Phase = StatusDocumentMapper.ReadPhase(document),
            Integrations = new IntegrationCounts(StatusDocumentMapper.IntOrZero(counts, "desired"), StatusDocumentMapper.IntOrZero(counts, "running")),
            Network = StatusDocumentMapper.StringOrNull(document, "network"),
            Message = StatusDocumentMapper.StringOrNull(document, "message"),
            Conditions = StatusDocumentMapper.ReadConditions(document),
            UpdatedAt = StatusDocumentMapper.DateOrMin(document, "updatedAt"),
        };
    }

    public static IntegrationStatus? TryReadIntegrationStatus(BsonValue value)
    {
        if (value is not BsonDocument document)
        {
            return null;
        }

        return new IntegrationStatus
        {
            Phase = StatusDocumentMapper.ReadPhase(document),
            Service = StatusDocumentMapper.StringOrNull(document, "service"),
            Ports = StatusDocumentMapper.ArrayOfDocuments(document, "ports")
                .Select(port => new AllocatedPort(
                    StatusDocumentMapper.StringOrNull(port, "name") ?? "",
                    StatusDocumentMapper.IntOrZero(port, "container"),
                    StatusDocumentMapper.IntOrZero(port, "host")))
                .ToList(),
            Message = StatusDocumentMapper.StringOrNull(document, "message"),
            Conditions = StatusDocumentMapper.ReadConditions(document),
            UpdatedAt = StatusDocumentMapper.DateOrMin(document, "updatedAt"),
        };
    }

    /// <summary>The string form of a parameter value: mongosh's `port: 8080` (a double) becomes "8080", not "8080.0".</summary>
    public static string? ParameterText(BsonValue value) => value.BsonType switch
    {
        BsonType.String => value.AsString,
        BsonType.Boolean => value.AsBoolean ? "true" : "false",
        BsonType.Int32 => value.AsInt32.ToString(CultureInfo.InvariantCulture),
        BsonType.Int64 => value.AsInt64.ToString(CultureInfo.InvariantCulture),
        BsonType.Decimal128 => value.AsDecimal128.ToString(),
        BsonType.Double when Math.Floor(value.AsDouble) == value.AsDouble && Math.Abs(value.AsDouble) < 1e15 =>
            ((long)value.AsDouble).ToString(CultureInfo.InvariantCulture),
        BsonType.Double => value.AsDouble.ToString("R", CultureInfo.InvariantCulture),
        _ => null,
    };

    private static void CheckHeader(FieldReader reader, BsonDocument document, string expectedKind)
    {
        var kind = reader.String(document, DocumentFields.Kind, "kind");
        if (kind is not null && kind != expectedKind)
        {
            reader.Problem($"kind must be \"{expectedKind}\", got \"{kind}\"");
        }

        var apiVersion = reader.String(document, DocumentFields.ApiVersion, "apiVersion");
        if (apiVersion is not null && apiVersion != ServiceSpec.ApiVersion)
        {
            reader.Problem($"apiVersion must be \"{ServiceSpec.ApiVersion}\", got \"{apiVersion}\"");
        }
    }

    private static ResourceMetadata? ReadMetadata(FieldReader reader, BsonDocument document, bool tenantRequired)
    {
        var metadata = reader.Document(document, DocumentFields.Metadata, "metadata", required: true);
        if (metadata is null)
        {
            return null;
        }

        var name = reader.String(metadata, "name", "metadata.name", required: true);
        if (name is not null && !DnsLabel.IsValid(name))
        {
            reader.Problem(DnsLabel.Problem("metadata.name", name));
        }

        var tenant = reader.String(metadata, "tenant", "metadata.tenant", required: tenantRequired);
        if (tenant is not null && !DnsLabel.IsValid(tenant))
        {
            reader.Problem(DnsLabel.Problem("metadata.tenant", tenant));
        }

        return ServiceDocumentMapper.ReadMetadataRest(reader, metadata, name, tenant);
    }

    private static IntegrationDefinitionSpec? ReadDefinitionSpec(FieldReader reader, BsonDocument document)
    {
        var spec = reader.Document(document, DocumentFields.Spec, "spec", required: true);
        if (spec is null)
        {
            return null;
        }

        reader.RejectUnknownFields(spec, "spec", KnownDefinitionSpecFields);
        var integrationId = reader.Integer(spec, "integration_id", "spec.integration_id", minimum: 0, required: true);
        var image = reader.String(spec, "image", "spec.image", required: true);
        var body = new IntegrationDefinitionSpec
        {
            IntegrationId = integrationId ?? 0,
            Title = reader.String(spec, "title", "spec.title") ?? "",
            Executable = reader.String(spec, "executable", "spec.executable") ?? "",
            Image = image ?? "",
            Command = reader.StringList(spec, "command", "spec.command") ?? [],
            Ports = ReadDefinitionPorts(reader, spec),
            Parameters = ReadParameters(reader, spec),
            HealthCheck = ServiceDocumentMapper.ReadHealthCheck(reader, spec),
            Resources = ServiceDocumentMapper.ReadResources(reader, spec),
        };
        CheckDefinitionSizes(reader, body);
        return integrationId is null || image is null ? null : body;
    }

    /// <summary>The catalog entry becomes every tenant's container: the same size limits as a ServiceSpec's (SpecLimits).</summary>
    private static void CheckDefinitionSizes(FieldReader reader, IntegrationDefinitionSpec spec)
    {
        var problems = new List<SpecProblem>();
        ServiceSpecValidator.CheckBytes(problems, "spec.image", spec.Image, SpecLimits.MaxImageBytes);
        ServiceSpecValidator.CheckBytes(problems, "spec.title", spec.Title, SpecLimits.MaxTextBytes);
        ServiceSpecValidator.CheckBytes(problems, "spec.executable", spec.Executable, SpecLimits.MaxTextBytes);
        ServiceSpecValidator.CheckArguments(problems, "spec.command", spec.Command);
        if (spec.HealthCheck?.Exec is { } exec)
        {
            ServiceSpecValidator.CheckArguments(problems, "spec.healthCheck.exec", exec);
        }

        ServiceSpecValidator.CheckCount(problems, "spec.ports", spec.Ports.Count, SpecLimits.MaxPorts, "ports");
        ServiceSpecValidator.CheckCount(problems, "spec.parameters", spec.Parameters.Count, SpecLimits.MaxParameters, "parameters");
        for (var i = 0; i < spec.Ports.Count; i++)
        {
            ServiceSpecValidator.CheckBytes(problems, $"spec.ports[{i}].name", spec.Ports[i].Name, SpecLimits.MaxParameterNameBytes);
        }

        for (var i = 0; i < spec.Parameters.Count; i++)
        {
            ServiceSpecValidator.CheckBytes(problems, $"spec.parameters[{i}].name", spec.Parameters[i].Name, SpecLimits.MaxParameterNameBytes);
            ServiceSpecValidator.CheckBytes(problems, $"spec.parameters[{i}].env", spec.Parameters[i].Env, SpecLimits.MaxEnvNameBytes);
            ServiceSpecValidator.CheckBytes(problems, $"spec.parameters[{i}].default", spec.Parameters[i].Default, SpecLimits.MaxParameterValueBytes);
        }

        foreach (var problem in problems)
        {
            reader.Problem(problem.ToString());
        }
    }

    private static List<IntegrationPort> ReadDefinitionPorts(FieldReader reader, BsonDocument spec)
    {
        var ports = new List<IntegrationPort>();
        foreach (var (port, path) in reader.Objects(spec, "ports", "spec.ports"))
        {

            reader.RejectUnknownFields(port, path, KnownDefinitionPortFields);
            var name = reader.String(port, "name", path + ".name", required: true);
            var container = reader.Integer(port, "container", path + ".container", 1, 65535, required: true);
            if (name is not null && ports.Any(existing => existing.Name == name))
            {
                reader.Problem($"{path}.name \"{name}\" is used by an earlier port; port names must be unique (each gets its own host port)");
            }
            else if (name is not null && container is not null)
            {
                ports.Add(new IntegrationPort(name, container.Value));
            }
        }

        return ports;
    }

    private static List<IntegrationParameter> ReadParameters(FieldReader reader, BsonDocument spec)
    {
        var parameters = new List<IntegrationParameter>();
        foreach (var (parameter, path) in reader.Objects(spec, "parameters", "spec.parameters"))
        {

            reader.RejectUnknownFields(parameter, path, KnownParameterFields);
            var name = reader.String(parameter, "name", path + ".name", required: true);
            var env = reader.String(parameter, "env", path + ".env", required: true);
            var required = reader.Boolean(parameter, "required", path + ".required") ?? false;
            var secret = reader.Boolean(parameter, "secret", path + ".secret") ?? false;
            string? defaultValue = null;
            if (parameter.TryGetValue("default", out var rawDefault) && !rawDefault.IsBsonNull)
            {
                defaultValue = ParameterText(rawDefault);
                if (defaultValue is null)
                {
                    reader.Problem($"{path}.default must be a string, number or true/false, got {FieldReader.Describe(rawDefault)}");
                }
            }

            if (name is not null && parameters.Any(existing => existing.Name == name))
            {
                reader.Problem($"{path}.name \"{name}\" is used by an earlier parameter; parameter names must be unique");
            }
            else if (name is not null && env is not null)
            {
                parameters.Add(new IntegrationParameter(name, env, required, secret, defaultValue));
            }
        }

        return parameters;
    }

    private static TenantSpec ReadTenantSpec(FieldReader reader, BsonDocument document)
    {
        var spec = reader.Document(document, DocumentFields.Spec, "spec");
        if (spec is null)
        {
            return new TenantSpec();
        }

        reader.RejectUnknownFields(spec, "spec", KnownTenantSpecFields);
        var displayName = reader.String(spec, "displayName", "spec.displayName");
        var sizes = new List<SpecProblem>();
        ServiceSpecValidator.CheckBytes(sizes, "spec.displayName", displayName, SpecLimits.MaxTextBytes);
        sizes.ForEach(problem => reader.Problem(problem.ToString()));
        return new TenantSpec
        {
            DisplayName = displayName,
            Suspended = reader.Boolean(spec, "suspended", "spec.suspended") ?? false,
        };
    }

    private static IntegrationSpecBody? ReadIntegrationSpec(FieldReader reader, BsonDocument document)
    {
        var spec = reader.Document(document, DocumentFields.Spec, "spec", required: true);
        if (spec is null)
        {
            return null;
        }

        reader.RejectUnknownFields(spec, "spec", KnownIntegrationSpecFields);
        var integrationId = reader.Integer(spec, "integration_id", "spec.integration_id", minimum: 0, required: true);
        var body = new IntegrationSpecBody
        {
            IntegrationId = integrationId ?? 0,
            Enabled = reader.Boolean(spec, "enabled", "spec.enabled") ?? true,
            Parameters = ReadParameterValues(reader, spec),
            Replicas = reader.Integer(spec, "replicas", "spec.replicas", minimum: 0) ?? 1,
        };
        return integrationId is null ? null : body;
    }

    private static Dictionary<string, string> ReadParameterValues(FieldReader reader, BsonDocument spec)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!spec.TryGetValue("parameters", out var raw) || raw.IsBsonNull)
        {
            return values;
        }

        if (raw is not BsonDocument parameters)
        {
            reader.Problem($"malformed parameters: spec.parameters must be an object of name: value, got {FieldReader.Describe(raw)}");
            return values;
        }

        foreach (var element in parameters.Elements)
        {
            var text = element.Value.IsBsonNull ? null : ParameterText(element.Value);
            if (text is null)
            {
                reader.Problem($"malformed parameters: spec.parameters.{element.Name} must be a string, number or true/false, got {FieldReader.Describe(element.Value)}");
            }
            else
            {
                values[element.Name] = text;
            }
        }

        return values;
    }

    private static bool DeletionRequestedOf(BsonDocument document) =>
        document.GetValue(DocumentFields.Metadata, BsonNull.Value) is BsonDocument metadata
        && metadata.GetValue("deletionRequested", BsonNull.Value) is { IsBoolean: true, AsBoolean: true };

    /// <summary>Owner references of a document that is otherwise unreadable, so garbage collection still works for it.</summary>
    private static List<OwnerReference> OwnerReferencesOf(BsonDocument document) =>
        document.GetValue(DocumentFields.Metadata, BsonNull.Value) is BsonDocument metadata
            ? ServiceDocumentMapper.ReadOwnerReferences(new FieldReader(), metadata)
            : [];

    private static string Reason(FieldReader reader) =>
        string.Join("; ", reader.Problems.Count > 0 ? reader.Problems : ["document could not be read"]);
}
