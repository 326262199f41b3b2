using MongoDB.Bson;
using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Mongo.Mapping;

/// <summary>
/// The `_id` contract of resource documents: documents written by zpm carry the deterministic string
/// "&lt;tenant&gt;/&lt;name&gt;". A change-stream delete event only carries `_id` (no fullDocument), so a deterministic
/// `_id` is what lets the watcher name the deleted resource without having seen the document before.
/// Documents inserted by other clients (mongosh without `_id`) keep their ObjectId; the watcher resolves those through
/// a map it seeds from the collection and from events, and falls back to a relist (see MongoResourceWatcher).
/// </summary>
public static class DocumentIds
{
    public static string For(string tenant, string name) => $"{tenant}/{name}";

    public static string For(ResourceKey key) => For(key.Tenant, key.Name);

    /// <summary>Parses a "&lt;tenant&gt;/&lt;name&gt;" string `_id`; anything else (ObjectId, other strings) yields false.</summary>
    public static bool TryParse(BsonValue id, out string tenant, out string name)
    {
        tenant = name = "";
        if (!id.IsString)
        {
            return false;
        }

        var parts = id.AsString.Split('/');
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            return false;
        }

        (tenant, name) = (parts[0], parts[1]);
        return true;
    }

    /// <summary>
    /// The key of any resource document, derived even from a broken one: metadata.tenant (default "system") and
    /// metadata.name when they are non-empty strings, else the contract `_id`, else the `_id`'s text as the name. The
    /// store's key filter finds the document again by each of these, so a status explaining the problem can be written.
    /// </summary>
    public static ResourceKey KeyOf(string kind, BsonDocument document)
    {
        var id = document.GetValue(Mapping.DocumentFields.Id, BsonNull.Value);
        var metadata = document.GetValue(Mapping.DocumentFields.Metadata, BsonNull.Value) as BsonDocument;
        var tenant = NonEmptyString(metadata, "tenant");
        var name = NonEmptyString(metadata, "name");
        if (name is not null)
        {
            return new ResourceKey(kind, tenant ?? ResourceKey.DefaultTenant, name);
        }

        return TryParse(id, out var idTenant, out var idName)
            ? new ResourceKey(kind, idTenant, idName)
            : new ResourceKey(kind, tenant ?? ResourceKey.DefaultTenant, ToUid(id));
    }

    /// <summary>A stable text form of any `_id` (ObjectId hex, string as is, otherwise its JSON).</summary>
    public static string ToUid(BsonValue id) => id.BsonType switch
    {
        BsonType.String => id.AsString,
        BsonType.ObjectId => id.AsObjectId.ToString(),
        _ => id.ToJson(),
    };

    private static string? NonEmptyString(BsonDocument? document, string field) =>
        document is not null && document.TryGetValue(field, out var value) && value.IsString && value.AsString.Length > 0
            ? value.AsString
            : null;
}
