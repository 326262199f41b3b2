using MongoDB.Bson;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Validation;

namespace ZonaProcessManager.Mongo.Mapping;

/// <summary>
/// Tolerant reader of ServiceSpec documents: never throws. A document it cannot turn into a valid
/// <see cref="ServiceSpec"/> comes back with Spec = null and an InvalidReason listing every problem, so the operator
/// can show it in status while the other resources carry on.
/// </summary>
public sealed class ServiceDocumentMapper
{
    private static readonly HashSet<string> KnownSpecFields =
    [
        "image", "command", "env", "replicas", "ports", "volumes", "networks", "healthCheck", "restartPolicy",
        "resources", "dependsOn", "category", "update", "rollback", "placement", "suspended",
    ];

    private static readonly HashSet<string> KnownRolloutFields = ["order", "parallelism", "delaySeconds", "monitorSeconds", "failureAction"];
    private static readonly HashSet<string> KnownPlacementFields = ["constraints", "preferences", "maxReplicasPerNode"];

    private static readonly HashSet<string> KnownPortFields = ["container", "host", "protocol", "hostIp"];
    private static readonly HashSet<string> KnownVolumeFields = ["name", "hostPath", "target", "readOnly", "driver", "driverOpts"];
    private static readonly HashSet<string> KnownHealthFields =
        ["http", "tcp", "exec", "intervalSeconds", "timeoutSeconds", "retries", "startPeriodSeconds"];

    private static readonly Dictionary<string, RestartPolicy> RestartPolicies = new(StringComparer.Ordinal)
    {
        ["always"] = RestartPolicy.Always,
        ["on-failure"] = RestartPolicy.OnFailure,
        ["never"] = RestartPolicy.Never,
    };

    private static readonly Dictionary<string, ServiceCategory> Categories = new(StringComparer.Ordinal)
    {
        ["system"] = ServiceCategory.System,
        ["core"] = ServiceCategory.Core,
        ["batch"] = ServiceCategory.Batch,
        ["app"] = ServiceCategory.App,
    };

    private static readonly Dictionary<string, UpdateOrder> UpdateOrders = new(StringComparer.Ordinal)
    {
        ["start-first"] = UpdateOrder.StartFirst,
        ["stop-first"] = UpdateOrder.StopFirst,
    };

    // Read with all three spellings in spec.rollback too, so "rollback" there gets the validator's explanation rather
    // than a bare list of choices.
    private static readonly Dictionary<string, UpdateFailureAction> FailureActions = new(StringComparer.Ordinal)
    {
        ["rollback"] = UpdateFailureAction.Rollback,
        ["pause"] = UpdateFailureAction.Pause,
        ["continue"] = UpdateFailureAction.Continue,
    };

    private static readonly Dictionary<string, string> Protocols = new(StringComparer.Ordinal) { ["tcp"] = "tcp", ["udp"] = "udp" };

    private readonly Func<ServiceSpec, IReadOnlyList<string>> _semanticValidator;

    /// <param name="semanticValidator">
    /// Rules beyond the document's shape, checked once the shape is right; its messages become the InvalidReason.
    /// Default: the domain's <see cref="ServiceSpecValidator"/>, so the CLI and the operator refuse the same documents.
    /// </param>
    public ServiceDocumentMapper(Func<ServiceSpec, IReadOnlyList<string>>? semanticValidator = null)
    {
        _semanticValidator = semanticValidator ?? DomainRules;
    }

    private static IReadOnlyList<string> DomainRules(ServiceSpec spec) =>
        ServiceSpecValidator.Validate(spec).Select(problem => $"{problem.Path} {problem.Message}").ToList();

    public static string PhaseName(ResourcePhase phase) => phase.ToString();

    /// <summary>Document spellings, for writers (CLI output, samples) that must match what the reader accepts.</summary>
    public static string ToDocumentValue(ServiceCategory category) => Categories.First(pair => pair.Value == category).Key;

    public static string ToDocumentValue(RestartPolicy policy) => RestartPolicies.First(pair => pair.Value == policy).Key;

    public static string ToDocumentValue(UpdateOrder order) => UpdateOrders.First(pair => pair.Value == order).Key;

    public static string ToDocumentValue(UpdateFailureAction action) => FailureActions.First(pair => pair.Value == action).Key;

    public StoredService Read(BsonDocument document)
    {
        var reader = new FieldReader();
        var id = document.GetValue(DocumentFields.Id, BsonNull.Value);
        var uid = DocumentIds.ToUid(id);

        var kind = reader.String(document, DocumentFields.Kind, "kind");
        if (kind is not null && kind != ServiceSpec.KindName)
        {
            reader.Problem($"kind must be \"{ServiceSpec.KindName}\", got \"{kind}\"");
        }

        var apiVersion = reader.String(document, DocumentFields.ApiVersion, "apiVersion");
        if (apiVersion is not null && apiVersion != ServiceSpec.ApiVersion)
        {
            reader.Problem($"apiVersion must be \"{ServiceSpec.ApiVersion}\", got \"{apiVersion}\"");
        }

        var metadata = ReadMetadata(reader, document, out var key);
        var spec = ReadSpec(reader, document);
        var status = StatusDocumentMapper.TryRead(document.GetValue(DocumentFields.Status, BsonNull.Value));

        if (reader.Problems.Count == 0 && metadata is not null && spec is not null)
        {
            var serviceSpec = new ServiceSpec { Metadata = metadata, Spec = spec };
            var semanticProblems = _semanticValidator(serviceSpec);
            if (semanticProblems.Count == 0)
            {
                return new StoredService(key, uid, serviceSpec, null, status);
            }

            return new StoredService(key, uid, null, string.Join("; ", semanticProblems), status);
        }

        var problems = reader.Problems.Count > 0 ? reader.Problems : ["document could not be read"];
        return new StoredService(key, uid, null, string.Join("; ", problems), status);
    }

    /// <summary>
    /// The key is derived even from a broken document (falling back to the `_id` for the name) so that the operator
    /// can still write a status explaining what is wrong.
    /// </summary>
    private static ResourceMetadata? ReadMetadata(FieldReader reader, BsonDocument document, out ResourceKey key)
    {
        var metadataDocument = reader.Document(document, DocumentFields.Metadata, "metadata", required: true);
        string? name = null;
        string? tenant = null;
        if (metadataDocument is not null)
        {
            name = reader.String(metadataDocument, "name", "metadata.name", required: true);
            tenant = reader.String(metadataDocument, "tenant", "metadata.tenant");
            if (name is not null && !DnsLabel.IsValid(name))
            {
                reader.Problem(DnsLabel.Problem("metadata.name", name));
            }

            if (tenant is not null && !DnsLabel.IsValid(tenant))
            {
                reader.Problem(DnsLabel.Problem("metadata.tenant", tenant));
            }
        }

        key = DocumentIds.KeyOf(ServiceSpec.KindName, document);
        if (metadataDocument is null || name is null)
        {
            return null;
        }

        return ReadMetadataRest(reader, metadataDocument, name, tenant);
    }

    /// <summary>
    /// Reads what follows a document's metadata.name and metadata.tenant (labels, annotations, deletionRequested,
    /// ownerReferences; problems go to <paramref name="reader"/>) and builds the metadata of every kind; null without a name.
    /// </summary>
    internal static ResourceMetadata? ReadMetadataRest(FieldReader reader, BsonDocument metadataDocument, string? name, string? tenant)
    {
        var labels = reader.StringMap(metadataDocument, "labels", "metadata.labels");
        var annotations = reader.StringMap(metadataDocument, "annotations", "metadata.annotations");
        var deletionRequested = reader.Boolean(metadataDocument, "deletionRequested", "metadata.deletionRequested");
        var owners = ReadOwnerReferences(reader, metadataDocument);
        return name is null
            ? null
            : new ResourceMetadata
            {
                Name = name,
                Tenant = tenant ?? ResourceKey.DefaultTenant,
                Labels = labels ?? new Dictionary<string, string>(),
                Annotations = annotations ?? new Dictionary<string, string>(),
                DeletionRequested = deletionRequested ?? false,
                OwnerReferences = owners,
            };
    }

    internal static List<OwnerReference> ReadOwnerReferences(FieldReader reader, BsonDocument metadataDocument)
    {
        var owners = new List<OwnerReference>();
        foreach (var (owner, path) in reader.Objects(metadataDocument, "ownerReferences", "metadata.ownerReferences"))
        {

            var ownerKind = reader.String(owner, "kind", path + ".kind", required: true);
            var ownerName = reader.String(owner, "name", path + ".name", required: true);
            var ownerUid = reader.String(owner, "uid", path + ".uid") ?? "";
            if (ownerKind is not null && ownerName is not null)
            {
                owners.Add(new OwnerReference(ownerKind, ownerName, ownerUid));
            }
        }

        return owners;
    }

    private static ServiceSpecBody? ReadSpec(FieldReader reader, BsonDocument document)
    {
        var spec = reader.Document(document, DocumentFields.Spec, "spec", required: true);
        if (spec is null)
        {
            return null;
        }

        reader.RejectUnknownFields(spec, "spec", KnownSpecFields);
        var image = reader.String(spec, "image", "spec.image", required: true);
        var body = new ServiceSpecBody
        {
            Image = image ?? "",
            Command = reader.StringList(spec, "command", "spec.command") ?? [],
            Env = reader.StringMap(spec, "env", "spec.env") ?? new Dictionary<string, string>(),
            Replicas = reader.Integer(spec, "replicas", "spec.replicas", minimum: 0) ?? 1,
            Ports = ReadPorts(reader, spec),
            Volumes = ReadVolumes(reader, spec),
            Networks = reader.StringList(spec, "networks", "spec.networks") ?? [],
            HealthCheck = ReadHealthCheck(reader, spec),
            RestartPolicy = reader.Choice(spec, "restartPolicy", "spec.restartPolicy", RestartPolicies, RestartPolicy.Always),
            Resources = ReadResources(reader, spec),
            DependsOn = reader.StringList(spec, "dependsOn", "spec.dependsOn") ?? [],
            Category = reader.Choice(spec, "category", "spec.category", Categories, ServiceCategory.App),
            Update = ReadUpdate(reader, spec),
            Rollback = ReadRollback(reader, spec),
            Placement = ReadPlacement(reader, spec),
            Suspended = reader.Boolean(spec, "suspended", "spec.suspended") ?? false,
        };
        return image is null ? null : body;
    }

    private static List<PortSpec> ReadPorts(FieldReader reader, BsonDocument spec)
    {
        var ports = new List<PortSpec>();
        foreach (var (port, path) in reader.Objects(spec, "ports", "spec.ports"))
        {

            reader.RejectUnknownFields(port, path, KnownPortFields);
            var container = reader.Integer(port, "container", path + ".container", 1, 65535, required: true);
            int? host = null;
            if (port.TryGetValue("host", out var hostValue) && !hostValue.IsBsonNull && !(hostValue.IsString && hostValue.AsString == "auto"))
            {
                if (hostValue.IsString)
                {
                    reader.Problem($"{path}.host must be an integer between 1 and 65535 or \"auto\", got {FieldReader.Describe(hostValue)}");
                }
                else
                {
                    host = reader.Integer(port, "host", path + ".host", 1, 65535);
                }
            }

            var protocol = reader.Choice(port, "protocol", path + ".protocol", Protocols, "tcp");
            var hostIp = reader.String(port, "hostIp", path + ".hostIp") ?? "127.0.0.1";
            if (container is not null)
            {
                ports.Add(new PortSpec(container.Value, host, protocol, hostIp));
            }
        }

        return ports;
    }

    private static List<VolumeSpec> ReadVolumes(FieldReader reader, BsonDocument spec)
    {
        var volumes = new List<VolumeSpec>();
        foreach (var (volume, path) in reader.Objects(spec, "volumes", "spec.volumes"))
        {

            reader.RejectUnknownFields(volume, path, KnownVolumeFields);
            var name = reader.String(volume, "name", path + ".name");
            var hostPath = reader.String(volume, "hostPath", path + ".hostPath");
            var target = reader.String(volume, "target", path + ".target", required: true);
            if ((name is null) == (hostPath is null))
            {
                reader.Problem($"{path} must set exactly one of name or hostPath");
            }

            var readOnly = reader.Boolean(volume, "readOnly", path + ".readOnly") ?? false;
            var driver = reader.String(volume, "driver", path + ".driver");
            var driverOpts = reader.StringMap(volume, "driverOpts", path + ".driverOpts");
            if (target is not null)
            {
                volumes.Add(new VolumeSpec
                {
                    Name = name,
                    HostPath = hostPath,
                    Target = target,
                    ReadOnly = readOnly,
                    Driver = driver,
                    DriverOpts = driverOpts ?? new Dictionary<string, string>(),
                });
            }
        }

        return volumes;
    }

    internal static HealthCheckSpec? ReadHealthCheck(FieldReader reader, BsonDocument spec)
    {
        var health = reader.Document(spec, "healthCheck", "spec.healthCheck");
        if (health is null)
        {
            return null;
        }

        reader.RejectUnknownFields(health, "spec.healthCheck", KnownHealthFields);
        HttpProbe? http = null;
        var httpDocument = reader.Document(health, "http", "spec.healthCheck.http");
        if (httpDocument is not null)
        {
            reader.RejectUnknownFields(httpDocument, "spec.healthCheck.http", new HashSet<string> { "port", "path" });
            var port = reader.Integer(httpDocument, "port", "spec.healthCheck.http.port", 1, 65535, required: true);
            var probePath = reader.String(httpDocument, "path", "spec.healthCheck.http.path") ?? "/";
            http = port is null ? null : new HttpProbe(port.Value, probePath);
        }

        TcpProbe? tcp = null;
        var tcpDocument = reader.Document(health, "tcp", "spec.healthCheck.tcp");
        if (tcpDocument is not null)
        {
            reader.RejectUnknownFields(tcpDocument, "spec.healthCheck.tcp", new HashSet<string> { "port" });
            var port = reader.Integer(tcpDocument, "port", "spec.healthCheck.tcp.port", 1, 65535, required: true);
            tcp = port is null ? null : new TcpProbe(port.Value);
        }

        var exec = reader.StringList(health, "exec", "spec.healthCheck.exec");
        var probeCount = (httpDocument is null ? 0 : 1) + (tcpDocument is null ? 0 : 1) + (health.Contains("exec") ? 1 : 0);
        if (probeCount != 1)
        {
            reader.Problem($"spec.healthCheck must set exactly one of http, tcp or exec, got {probeCount}");
        }

        var defaults = new HealthCheckSpec();
        return new HealthCheckSpec
        {
            Http = http,
            Tcp = tcp,
            Exec = exec,
            IntervalSeconds = reader.Integer(health, "intervalSeconds", "spec.healthCheck.intervalSeconds", 1) ?? defaults.IntervalSeconds,
            TimeoutSeconds = reader.Integer(health, "timeoutSeconds", "spec.healthCheck.timeoutSeconds", 1) ?? defaults.TimeoutSeconds,
            Retries = reader.Integer(health, "retries", "spec.healthCheck.retries", 1) ?? defaults.Retries,
            StartPeriodSeconds = reader.Integer(health, "startPeriodSeconds", "spec.healthCheck.startPeriodSeconds", 0) ?? defaults.StartPeriodSeconds,
        };
    }

    internal static ResourceLimits? ReadResources(FieldReader reader, BsonDocument spec)
    {
        var resources = reader.Document(spec, "resources", "spec.resources");
        if (resources is null)
        {
            return null;
        }

        reader.RejectUnknownFields(resources, "spec.resources", new HashSet<string> { "cpus", "memoryMb" });
        return new ResourceLimits(
            reader.Number(resources, "cpus", "spec.resources.cpus", exclusiveMinimum: 0),
            reader.Integer(resources, "memoryMb", "spec.resources.memoryMb", minimum: 4));
    }

    private static UpdateStrategy ReadUpdate(FieldReader reader, BsonDocument spec)
    {
        var update = reader.Document(spec, "update", "spec.update");
        var defaults = new UpdateStrategy();
        if (update is null)
        {
            return defaults;
        }

        reader.RejectUnknownFields(update, "spec.update", KnownRolloutFields);
        return new UpdateStrategy
        {
            Order = reader.Choice(update, "order", "spec.update.order", UpdateOrders, defaults.Order),
            Parallelism = reader.Integer(update, "parallelism", "spec.update.parallelism", minimum: 1) ?? defaults.Parallelism,
            DelaySeconds = reader.Integer(update, "delaySeconds", "spec.update.delaySeconds", minimum: 0) ?? defaults.DelaySeconds,
            MonitorSeconds = reader.Integer(update, "monitorSeconds", "spec.update.monitorSeconds", minimum: 1) ?? defaults.MonitorSeconds,
            FailureAction = reader.Choice(update, "failureAction", "spec.update.failureAction", FailureActions, defaults.FailureAction),
        };
    }

    private static RollbackStrategy ReadRollback(FieldReader reader, BsonDocument spec)
    {
        var rollback = reader.Document(spec, "rollback", "spec.rollback");
        var defaults = new RollbackStrategy();
        if (rollback is null)
        {
            return defaults;
        }

        reader.RejectUnknownFields(rollback, "spec.rollback", KnownRolloutFields);
        return new RollbackStrategy
        {
            Order = reader.Choice(rollback, "order", "spec.rollback.order", UpdateOrders, defaults.Order),
            Parallelism = reader.Integer(rollback, "parallelism", "spec.rollback.parallelism", minimum: 1) ?? defaults.Parallelism,
            DelaySeconds = reader.Integer(rollback, "delaySeconds", "spec.rollback.delaySeconds", minimum: 0) ?? defaults.DelaySeconds,
            MonitorSeconds = reader.Integer(rollback, "monitorSeconds", "spec.rollback.monitorSeconds", minimum: 1) ?? defaults.MonitorSeconds,
            FailureAction = reader.Choice(rollback, "failureAction", "spec.rollback.failureAction", FailureActions, defaults.FailureAction),
        };
    }

    private static PlacementSpec? ReadPlacement(FieldReader reader, BsonDocument spec)
    {
        var placement = reader.Document(spec, "placement", "spec.placement");
        if (placement is null)
        {
            return null;
        }

        reader.RejectUnknownFields(placement, "spec.placement", KnownPlacementFields);
        var preferences = new List<PlacementPreference>();
        foreach (var (preference, path) in reader.Objects(placement, "preferences", "spec.placement.preferences"))
        {
            reader.RejectUnknownFields(preference, path, new HashSet<string> { "spread" });
            if (reader.String(preference, "spread", path + ".spread", required: true) is { } spread)
            {
                preferences.Add(new PlacementPreference(spread));
            }
        }

        return new PlacementSpec
        {
            Constraints = reader.StringList(placement, "constraints", "spec.placement.constraints") ?? [],
            Preferences = preferences,
            MaxReplicasPerNode = reader.Integer(placement, "maxReplicasPerNode", "spec.placement.maxReplicasPerNode", minimum: 0),
        };
    }
}
