using MongoDB.Bson;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Releases;
using ZonaProcessManager.Domain.Validation;

namespace ZonaProcessManager.Mongo.Mapping;

/// <summary>
/// Release documents ↔ the domain's <see cref="Release"/> and <see cref="ReleaseStatus"/>. Reading never throws: a
/// document that cannot be read, or breaks a rule of <see cref="ReleaseValidator"/>, comes back with Release null and
/// every problem in InvalidReason.
/// </summary>
public static class ReleaseDocumentMapper
{
    public static IReadOnlySet<string> KnownSpecFields { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "baseTag", "selector", "patches", "order", "maxUnavailable", "pauseOnFailure", "progressDeadlineSeconds", "paused", "resumeRequests", "rollback",
    };

    /// <summary>spec fields a user's request sets (zpm release pause/resume/rollback); `zpm release apply` writes them only when given.</summary>
    public static IReadOnlySet<string> RequestFields { get; } = new HashSet<string>(StringComparer.Ordinal) { "paused", "resumeRequests", "rollback" };

    private static readonly IReadOnlySet<string> KnownSelectorFields = new HashSet<string>(StringComparer.Ordinal) { "tenants", "categories", "labels" };
    private static readonly IReadOnlySet<string> KnownPatchFields = new HashSet<string>(StringComparer.Ordinal) { "services", "tag" };

    private static readonly IReadOnlyDictionary<string, ServiceCategory> Categories = Enum.GetValues<ServiceCategory>()
        .ToDictionary(c => c.ToString().ToLowerInvariant(), c => c, StringComparer.Ordinal);

    public static StoredRelease Read(BsonDocument document)
    {
        var reader = new FieldReader();
        var uid = DocumentIds.ToUid(document.GetValue(DocumentFields.Id, BsonNull.Value));
        var key = DocumentIds.KeyOf(Release.KindName, document);
        var status = TryReadStatus(document.GetValue(DocumentFields.Status, BsonNull.Value));

        var kind = reader.String(document, DocumentFields.Kind, "kind");
        if (kind is not null && kind != Release.KindName)
        {
            reader.Problem($"kind must be \"{Release.KindName}\", got \"{kind}\"");
        }

        var apiVersion = reader.String(document, DocumentFields.ApiVersion, "apiVersion");
        if (apiVersion is not null && apiVersion != Release.ApiVersion)
        {
            reader.Problem($"apiVersion must be \"{Release.ApiVersion}\", got \"{apiVersion}\"");
        }

        var metadata = reader.Document(document, DocumentFields.Metadata, "metadata", required: true);
        var name = metadata is null ? null : reader.String(metadata, "name", "metadata.name", required: true);
        if (name is not null && !DnsLabel.IsValid(name))
        {
            reader.Problem(DnsLabel.Problem("metadata.name", name));
        }

        var labels = metadata is null ? null : reader.StringMap(metadata, "labels", "metadata.labels");
        var annotations = metadata is null ? null : reader.StringMap(metadata, "annotations", "metadata.annotations");
        var spec = ReadSpec(reader, document);
        if (reader.Problems.Count == 0 && name is not null && spec is not null)
        {
            var release = new Release
            {
                Metadata = new ResourceMetadata
                {
                    Name = name,
                    Labels = labels ?? new Dictionary<string, string>(),
                    Annotations = annotations ?? new Dictionary<string, string>(),
                },
                Spec = spec,
            };
            var problems = ReleaseValidator.Validate(release);
            if (problems.Count == 0)
            {
                return new StoredRelease(key, uid, release, null, status);
            }

            return new StoredRelease(key, uid, null, string.Join("; ", problems), status);
        }

        return new StoredRelease(key, uid, null, string.Join("; ", reader.Problems.Count > 0 ? reader.Problems : ["document could not be read"]), status);
    }

    private static ReleaseSpec? ReadSpec(FieldReader reader, BsonDocument document)
    {
        var spec = reader.Document(document, DocumentFields.Spec, "spec", required: true);
        if (spec is null)
        {
            return null;
        }

        reader.RejectUnknownFields(spec, "spec", KnownSpecFields);
        var baseTag = reader.String(spec, "baseTag", "spec.baseTag", required: true);
        var selector = new ReleaseSelector();
        if (reader.Document(spec, "selector", "spec.selector") is { } selectorDocument)
        {
            reader.RejectUnknownFields(selectorDocument, "spec.selector", KnownSelectorFields);
            selector = new ReleaseSelector
            {
                Tenants = reader.StringList(selectorDocument, "tenants", "spec.selector.tenants") ?? [],
                Categories = ReadCategories(reader, selectorDocument, "categories", "spec.selector.categories") ?? [],
                Labels = reader.StringMap(selectorDocument, "labels", "spec.selector.labels") ?? new Dictionary<string, string>(),
            };
        }

        var patches = new List<ReleasePatch>();
        foreach (var (item, path) in reader.Objects(spec, "patches", "spec.patches"))
        {
            reader.RejectUnknownFields(item, path, KnownPatchFields);
            var services = reader.StringList(item, "services", path + ".services");
            if (services is null)
            {
                reader.Problem($"{path}.services is required");
            }

            var tag = reader.String(item, "tag", path + ".tag", required: true);
            patches.Add(new ReleasePatch(services ?? [], tag ?? ""));
        }

        var resumeRequests = spec.GetValue("resumeRequests", BsonNull.Value);
        long resumes = 0;
        if (!resumeRequests.IsBsonNull)
        {
            if (resumeRequests.IsNumeric && Math.Floor(resumeRequests.ToDouble()) == resumeRequests.ToDouble() && resumeRequests.ToDouble() >= 0)
            {
                resumes = (long)resumeRequests.ToDouble();
            }
            else
            {
                reader.Problem($"spec.resumeRequests must be an integer ≥ 0, got {FieldReader.Describe(resumeRequests)}");
            }
        }

        return baseTag is null
            ? null
            : new ReleaseSpec
            {
                BaseTag = baseTag,
                Selector = selector,
                Patches = patches,
                Order = ReadCategories(reader, spec, "order", "spec.order") ?? ReleaseSpec.DefaultOrder,
                MaxUnavailable = reader.Integer(spec, "maxUnavailable", "spec.maxUnavailable", 1, ReleaseValidator.MaxMaxUnavailable) ?? ReleaseSpec.DefaultMaxUnavailable,
                PauseOnFailure = reader.Boolean(spec, "pauseOnFailure", "spec.pauseOnFailure") ?? true,
                ProgressDeadlineSeconds = reader.Integer(spec, "progressDeadlineSeconds", "spec.progressDeadlineSeconds",
                    ReleaseValidator.MinProgressDeadlineSeconds, ReleaseValidator.MaxProgressDeadlineSeconds) ?? ReleaseSpec.DefaultProgressDeadlineSeconds,
                Paused = reader.Boolean(spec, "paused", "spec.paused") ?? false,
                ResumeRequests = resumes,
                Rollback = reader.Boolean(spec, "rollback", "spec.rollback") ?? false,
            };
    }

    private static List<ServiceCategory>? ReadCategories(FieldReader reader, BsonDocument parent, string field, string path)
    {
        var names = reader.StringList(parent, field, path);
        if (names is null)
        {
            return null;
        }

        var categories = new List<ServiceCategory>();
        foreach (var (name, index) in names.Select((n, i) => (n, i)))
        {
            if (Categories.TryGetValue(name, out var category))
            {
                categories.Add(category);
            }
            else
            {
                reader.Problem($"{path}[{index}] must be one of {string.Join(" | ", Categories.Keys)}, got \"{DnsLabel.Escape(name)}\"");
            }
        }

        return categories;
    }

    /// <summary>
    /// The `$set` of `zpm release apply`: apiVersion, kind, metadata.name, labels and annotations, and every spec field
    /// of <paramref name="manifest"/> by its path, so request fields (paused, resumeRequests, rollback) the manifest
    /// leaves out keep what the user's commands set.
    /// </summary>
    public static BsonDocument ApplySet(Release release, BsonDocument manifest)
    {
        var set = new BsonDocument
        {
            [DocumentFields.ApiVersion] = Release.ApiVersion,
            [DocumentFields.Kind] = Release.KindName,
            [DocumentFields.MetadataName] = release.Metadata.Name,
            ["metadata.labels"] = new BsonDocument(release.Metadata.Labels.ToDictionary(p => p.Key, p => (object)p.Value)),
            ["metadata.annotations"] = new BsonDocument(release.Metadata.Annotations.ToDictionary(p => p.Key, p => (object)p.Value)),
        };
        var spec = manifest[DocumentFields.Spec].AsBsonDocument;
        foreach (var element in spec.Elements)
        {
            set[$"{DocumentFields.Spec}.{element.Name}"] = element.Value;
        }

        return set;
    }

    /// <summary>Declarative spec fields a manifest left out: `zpm release apply` removes them so their defaults apply.</summary>
    public static IEnumerable<string> UnsetFields(BsonDocument manifest)
    {
        var spec = manifest[DocumentFields.Spec].AsBsonDocument;
        return KnownSpecFields.Where(f => !RequestFields.Contains(f) && !spec.Contains(f)).Select(f => $"{DocumentFields.Spec}.{f}");
    }

    public static BsonDocument ToStatusDocument(ReleaseStatus status)
    {
        var document = new BsonDocument
        {
            ["phase"] = status.Phase.ToString(),
            ["counts"] = new BsonDocument
            {
                ["total"] = status.Counts.Total,
                ["pending"] = status.Counts.Pending,
                ["rolling"] = status.Counts.Rolling,
                ["done"] = status.Counts.Done,
                ["failed"] = status.Counts.Failed,
                ["skipped"] = status.Counts.Skipped,
                ["rolledBack"] = status.Counts.RolledBack,
            },
            ["categories"] = new BsonArray(status.Categories.Select(CategoryDocument)),
            ["automaticRollback"] = status.AutomaticRollback,
            ["message"] = (BsonValue?)status.Message ?? BsonNull.Value,
            ["updatedAt"] = status.UpdatedAt.UtcDateTime,
        };
        if (status.FailurePausedAtResumeRequests is { } resumes)
        {
            document["failurePausedAtResumeRequests"] = resumes;
        }

        return document;
    }

    private static BsonDocument CategoryDocument(ReleaseCategoryStatus category)
    {
        var document = new BsonDocument
        {
            ["name"] = ReleasePlanner.Name(category.Category),
            ["state"] = Camel(category.State.ToString()),
            ["services"] = new BsonArray(category.Services.Select(ServiceDocument)),
        };
        AddTime(document, "startedAt", category.StartedAt);
        AddTime(document, "finishedAt", category.FinishedAt);
        return document;
    }

    private static BsonDocument ServiceDocument(ReleaseServiceStatus service)
    {
        var document = new BsonDocument
        {
            ["tenant"] = service.Tenant,
            ["name"] = service.Name,
            ["state"] = Camel(service.State.ToString()),
            ["image"] = service.TargetImage,
        };
        if (service.PreviousImage is not null)
        {
            document["previousImage"] = service.PreviousImage;
        }

        if (service.Message is not null)
        {
            document["message"] = service.Message;
        }

        AddTime(document, "startedAt", service.StartedAt);
        AddTime(document, "finishedAt", service.FinishedAt);
        return document;
    }

    private static void AddTime(BsonDocument document, string field, DateTimeOffset? time)
    {
        if (time is { } value)
        {
            document[field] = value.UtcDateTime;
        }
    }

    /// <summary>
    /// The status the operator wrote, or null when there is none or it cannot be read (a hand edit): the release then
    /// starts afresh, which is the only safe reading of a record that lost its replaced images.
    /// </summary>
    public static ReleaseStatus? TryReadStatus(BsonValue value)
    {
        if (value is not BsonDocument status)
        {
            return null;
        }

        try
        {
            var categories = status.GetValue("categories", new BsonArray()).AsBsonArray.Select(c => ReadCategory(c.AsBsonDocument)).ToList();
            var counts = status.GetValue("counts", new BsonDocument()).AsBsonDocument;
            return new ReleaseStatus
            {
                Phase = Enum.Parse<ReleasePhase>(status["phase"].AsString),
                Categories = categories,
                Counts = new ReleaseCounts(Count(counts, "total"), Count(counts, "pending"), Count(counts, "rolling"), Count(counts, "done"),
                    Count(counts, "failed"), Count(counts, "skipped"), Count(counts, "rolledBack")),
                FailurePausedAtResumeRequests = status.TryGetValue("failurePausedAtResumeRequests", out var resumes) && resumes.IsNumeric ? (long)resumes.ToDouble() : null,
                AutomaticRollback = status.GetValue("automaticRollback", false).ToBoolean(),
                Message = status.GetValue("message", BsonNull.Value) is { IsString: true } message ? message.AsString : null,
                UpdatedAt = Time(status, "updatedAt") ?? DateTimeOffset.MinValue,
            };
        }
        catch (Exception exception) when (exception is InvalidCastException or KeyNotFoundException or ArgumentException or FormatException)
        {
            return null;
        }
    }

    private static ReleaseCategoryStatus ReadCategory(BsonDocument category) =>
        new(Categories[category["name"].AsString], Enum.Parse<ReleaseCategoryState>(category["state"].AsString, ignoreCase: true),
            category.GetValue("services", new BsonArray()).AsBsonArray.Select(s => ReadService(s.AsBsonDocument)).ToList())
        {
            StartedAt = Time(category, "startedAt"),
            FinishedAt = Time(category, "finishedAt"),
        };

    private static ReleaseServiceStatus ReadService(BsonDocument service) =>
        new(service["tenant"].AsString, service["name"].AsString, Enum.Parse<ReleaseServiceState>(service["state"].AsString, ignoreCase: true), service["image"].AsString)
        {
            PreviousImage = service.GetValue("previousImage", BsonNull.Value) is { IsString: true } previous ? previous.AsString : null,
            Message = service.GetValue("message", BsonNull.Value) is { IsString: true } message ? message.AsString : null,
            StartedAt = Time(service, "startedAt"),
            FinishedAt = Time(service, "finishedAt"),
        };

    private static int Count(BsonDocument counts, string field) => counts.TryGetValue(field, out var value) && value.IsNumeric ? (int)value.ToDouble() : 0;

    private static DateTimeOffset? Time(BsonDocument document, string field) =>
        document.TryGetValue(field, out var value) && value.IsValidDateTime ? new DateTimeOffset(value.ToUniversalTime(), TimeSpan.Zero) : null;

    private static string Camel(string pascal) => char.ToLowerInvariant(pascal[0]) + pascal[1..];
}
