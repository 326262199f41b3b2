using MongoDB.Bson;
using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Mongo.Mapping;

/// <summary>
/// ServiceStatus ↔ the `status` subdocument. Phases are written with their contract spelling
/// (Pending|Creating|Running|Degraded|Removed) and condition status as "True"/"False" like Kubernetes, so mongosh users
/// and scripts read the same words the docs use.
/// </summary>
public static class StatusDocumentMapper
{
    public static BsonDocument ToDocument(ServiceStatus status)
    {
        var document = new BsonDocument
        {
            ["phase"] = status.Phase.ToString(),
            ["observedSpecHash"] = status.ObservedSpecHash is null ? BsonNull.Value : status.ObservedSpecHash,
            ["replicas"] = new BsonDocument { ["desired"] = status.Replicas.Desired, ["ready"] = status.Replicas.Ready },
            ["containers"] = new BsonArray(status.Containers.Select(ContainerDocument)),
            ["conditions"] = ConditionsToArray(status.Conditions),
            ["message"] = status.Message is null ? BsonNull.Value : status.Message,
            ["lastError"] = status.LastError is null ? BsonNull.Value : status.LastError,
            ["updatedAt"] = new BsonDateTime(status.UpdatedAt.UtcDateTime),
        };
        if (status.Rollout is { } rollout)
        {
            document["rollout"] = RolloutDocument(rollout);
        }

        return document;
    }

    /// <summary>status.rollout, written only while an automatic rollback is in force; states in their enum spelling.</summary>
    private static BsonDocument RolloutDocument(ServiceRollout rollout) => new()
    {
        ["state"] = rollout.State.ToString(),
        ["failedSpecHash"] = rollout.FailedSpecHash,
        ["fromRevision"] = rollout.FromRevision is { } from ? new BsonInt64(from) : BsonNull.Value,
        ["toRevision"] = new BsonInt64(rollout.ToRevision),
        ["toSpecHash"] = rollout.ToSpecHash,
        ["message"] = rollout.Message,
        ["startedAt"] = new BsonDateTime(rollout.StartedAt.UtcDateTime),
    };

    /// <summary>status.rollout as written by <see cref="RolloutDocument"/>; anything else (absent, hand-edited) gives null.</summary>
    private static ServiceRollout? ReadRollout(BsonDocument status)
    {
        if (status.GetValue("rollout", BsonNull.Value) is not BsonDocument rollout
            || !Enum.TryParse<RolloutState>(StringOrNull(rollout, "state"), ignoreCase: false, out var state)
            || StringOrNull(rollout, "failedSpecHash") is not { } failed
            || StringOrNull(rollout, "toSpecHash") is not { } toHash
            || !rollout.TryGetValue("toRevision", out var to) || !to.IsNumeric)
        {
            return null;
        }

        var from = rollout.TryGetValue("fromRevision", out var fromValue) && fromValue.IsNumeric ? fromValue.ToInt64() : (long?)null;
        return new ServiceRollout(state, failed, from, to.ToInt64(), toHash, StringOrNull(rollout, "message") ?? "", DateOrMin(rollout, "startedAt"));
    }

    /// <summary>
    /// One entry of status.containers. node, slot and error are written only when the runtime reports them (a Swarm
    /// task), so a single-host status keeps its four fields.
    /// </summary>
    private static BsonDocument ContainerDocument(ContainerStatus container)
    {
        var document = new BsonDocument
        {
            ["id"] = container.Id,
            ["name"] = container.Name,
            ["state"] = container.State,
            ["health"] = container.Health,
        };
        if (container.Node is not null)
        {
            document["node"] = container.Node;
        }

        if (container.Slot is { } slot)
        {
            document["slot"] = slot;
        }

        if (container.Error is not null)
        {
            document["error"] = container.Error;
        }

        return document;
    }

    /// <summary>Reads a status written by the operator; anything unreadable (hand-edited, older format) gives null.</summary>
    public static ServiceStatus? TryRead(BsonValue value)
    {
        if (value is not BsonDocument document)
        {
            return null;
        }

        try
        {
            var phase = Enum.TryParse<ResourcePhase>(StringOrNull(document, "phase"), ignoreCase: false, out var parsed)
                ? parsed
                : ResourcePhase.Pending;
            var replicas = document.GetValue("replicas", BsonNull.Value) as BsonDocument;
            return new ServiceStatus
            {
                Phase = phase,
                ObservedSpecHash = StringOrNull(document, "observedSpecHash"),
                Replicas = new ReplicaCounts(IntOrZero(replicas, "desired"), IntOrZero(replicas, "ready")),
                Containers = ArrayOfDocuments(document, "containers")
                    .Select(container => new ContainerStatus(
                        StringOrNull(container, "id") ?? "",
                        StringOrNull(container, "name") ?? "",
                        StringOrNull(container, "state") ?? "",
                        StringOrNull(container, "health") ?? "",
                        StringOrNull(container, "node"),
                        IntOrNull(container, "slot"),
                        StringOrNull(container, "error")))
                    .ToList(),
                Conditions = ReadConditions(document),
                Message = StringOrNull(document, "message"),
                LastError = StringOrNull(document, "lastError"),
                UpdatedAt = DateOrMin(document, "updatedAt"),
                Rollout = ReadRollout(document),
            };
        }
        catch (Exception exception) when (exception is InvalidCastException or OverflowException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Conditions as Kubernetes spells them; shared by the Tenant and IntegrationSpec status writers.</summary>
    internal static BsonArray ConditionsToArray(IEnumerable<Condition> conditions) =>
        new(conditions.Select(condition => new BsonDocument
        {
            ["type"] = condition.Type,
            ["status"] = condition.Status ? "True" : "False",
            ["reason"] = condition.Reason,
            ["message"] = condition.Message,
            ["lastTransitionTime"] = new BsonDateTime(condition.LastTransitionTime.UtcDateTime),
        }));

    internal static List<Condition> ReadConditions(BsonDocument status) =>
        ArrayOfDocuments(status, "conditions")
            .Select(condition => new Condition(
                StringOrNull(condition, "type") ?? "",
                IsTrue(condition.GetValue("status", BsonNull.Value)),
                StringOrNull(condition, "reason") ?? "",
                StringOrNull(condition, "message") ?? "",
                DateOrMin(condition, "lastTransitionTime")))
            .ToList();

    internal static ResourcePhase ReadPhase(BsonDocument status) =>
        Enum.TryParse<ResourcePhase>(StringOrNull(status, "phase"), ignoreCase: false, out var parsed) ? parsed : ResourcePhase.Pending;

    private static bool IsTrue(BsonValue value) =>
        (value.IsBoolean && value.AsBoolean) || (value.IsString && string.Equals(value.AsString, "True", StringComparison.OrdinalIgnoreCase));

    internal static string? StringOrNull(BsonDocument? document, string field) =>
        document is not null && document.TryGetValue(field, out var value) && value.IsString ? value.AsString : null;

    internal static int IntOrZero(BsonDocument? document, string field) =>
        document is not null && document.TryGetValue(field, out var value) && value.IsNumeric ? (int)value.ToDouble() : 0;

    internal static int? IntOrNull(BsonDocument? document, string field) =>
        document is not null && document.TryGetValue(field, out var value) && value.IsNumeric ? (int)value.ToDouble() : null;

    internal static DateTimeOffset DateOrMin(BsonDocument document, string field) =>
        document.TryGetValue(field, out var value) && value.IsValidDateTime
            ? new DateTimeOffset(value.ToUniversalTime(), TimeSpan.Zero)
            : DateTimeOffset.MinValue;

    internal static IEnumerable<BsonDocument> ArrayOfDocuments(BsonDocument document, string field) =>
        document.TryGetValue(field, out var value) && value is BsonArray array ? array.OfType<BsonDocument>() : [];
}
