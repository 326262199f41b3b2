using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Mongo.Mapping;

/// <summary>
/// Shape of an `events` document: { resource: {kind, tenant, name}, type, reason, message, time }. `time` carries the
/// 7-day TTL index, so events expire without anyone cleaning up. `type` is stored as the text "Normal" or "Warning", what
/// mongosh users and `zpm describe` read.
/// </summary>
public static class EventDocuments
{
    public const string Time = "time";

    public static BsonDocument ToDocument(ResourceEvent resourceEvent) => new()
    {
        ["resource"] = new BsonDocument
        {
            ["kind"] = resourceEvent.Resource.Kind,
            ["tenant"] = resourceEvent.Resource.Tenant,
            ["name"] = resourceEvent.Resource.Name,
        },
        ["type"] = resourceEvent.Type.ToString(),
        ["reason"] = resourceEvent.Reason,
        ["message"] = resourceEvent.Message,
        [Time] = new BsonDateTime(resourceEvent.Time.UtcDateTime),
    };

    public static ResourceEvent FromDocument(BsonDocument document)
    {
        var resource = document.GetValue("resource", new BsonDocument()) as BsonDocument ?? [];
        return new ResourceEvent(
            new ResourceKey(Text(resource, "kind"), Text(resource, "tenant"), Text(resource, "name")),
            Text(document, "reason"),
            Text(document, "message"),
            Text(document, "type") == nameof(EventType.Warning) ? EventType.Warning : EventType.Normal,
            document.TryGetValue(Time, out var time) && time.IsValidDateTime
                ? new DateTimeOffset(time.ToUniversalTime(), TimeSpan.Zero)
                : DateTimeOffset.MinValue);
    }

    public static FilterDefinition<BsonDocument> ResourceFilter(ResourceKey key) => Builders<BsonDocument>.Filter.And(
        Builders<BsonDocument>.Filter.Eq("resource.kind", key.Kind),
        Builders<BsonDocument>.Filter.Eq("resource.tenant", key.Tenant),
        Builders<BsonDocument>.Filter.Eq("resource.name", key.Name));

    private static string Text(BsonDocument document, string field) =>
        document.TryGetValue(field, out var value) && value.IsString ? value.AsString : "";
}
