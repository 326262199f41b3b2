using System.Diagnostics.CodeAnalysis;
using MongoDB.Bson;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Releases;

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
    /// The key of any resource document, derived even from a broken one: metadata.tenant (default "system" when missing
    /// or null) and metadata.name when they are non-empty strings, else the contract `_id`, else the `_id`'s text as the name. The
    /// store's key filter finds the document again by each of these, so a status explaining the problem can be written.
    /// </summary>
    /// <remarks>
    /// Tenants and catalog entries have keys of their own shape (see IntegrationKeys): a Tenant is (Tenant, code, code)
    /// and has no metadata.tenant; a catalog entry is cluster-wide, (IntegrationDefinition, "system", name), whatever
    /// metadata.tenant says. Their zpm-written `_id`s are the bare code or name.
    /// </remarks>
    public static ResourceKey KeyOf(string kind, BsonDocument document)
    {
        var id = document.GetValue(Mapping.DocumentFields.Id, BsonNull.Value);
        var metadata = document.GetValue(Mapping.DocumentFields.Metadata, BsonNull.Value) as BsonDocument;
        var tenant = NonEmptyString(metadata, "tenant");
        var name = NonEmptyString(metadata, "name");
        if (IsSingleNameKind(kind))
        {
            return SingleNameKey(kind, name ?? ToUid(id));
        }

        // A tenant that is there but not a non-empty string (a number, an object, "") is not "system": the store's key
        // filter would then miss the document, and its status could never be written. The `_id` still finds it.
        var tenantUnusable = tenant is null && metadata is not null && metadata.TryGetValue("tenant", out var rawTenant) && !rawTenant.IsBsonNull;
        if (name is not null && !tenantUnusable)
        {
            return new ResourceKey(kind, tenant ?? ResourceKey.DefaultTenant, name);
        }

        return TryParse(id, out var idTenant, out var idName)
            ? new ResourceKey(kind, idTenant, idName)
            : new ResourceKey(kind, tenant ?? ResourceKey.DefaultTenant, ToUid(id));
    }

    /// <summary>
    /// The `_id` zpm gives a new document of this kind: "&lt;code&gt;" for a Tenant, "&lt;name&gt;" for a catalog entry,
    /// "&lt;tenant&gt;/&lt;name&gt;" for everything else.
    /// </summary>
    public static string IdFor(ResourceKey key) => IsSingleNameKind(key.Kind) ? key.Name : For(key);

    /// <summary>
    /// The key named by a zpm-written `_id` of a document of <paramref name="kind"/>, without reading the document
    /// (what a change-stream delete needs). False for ObjectIds and for strings of the wrong shape.
    /// </summary>
    public static bool TryKeyFromId(string kind, BsonValue id, [NotNullWhen(true)] out ResourceKey? key)
    {
        key = null;
        if (IsSingleNameKind(kind))
        {
            if (id.IsString && id.AsString.Length > 0 && !id.AsString.Contains('/', StringComparison.Ordinal))
            {
                key = SingleNameKey(kind, id.AsString);
            }
        }
        else if (TryParse(id, out var tenant, out var name))
        {
            key = new ResourceKey(kind, tenant, name);
        }

        return key is not null;
    }

    private static bool IsSingleNameKind(string kind) => kind is Tenant.KindName or IntegrationDefinition.KindName or Release.KindName;

    private static ResourceKey SingleNameKey(string kind, string name) => kind switch
    {
        Tenant.KindName => IntegrationKeys.Tenant(name),
        Release.KindName => Release.KeyFor(name),
        _ => IntegrationKeys.Definition(name),
    };

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
