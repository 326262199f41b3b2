using System.Security.Cryptography;
using System.Text;
using MongoDB.Bson;
using MongoDB.Driver;

namespace ZonaProcessManager.Mongo;

/// <summary>
/// Where a watch resumes from. <paramref name="AfterInvalidate"/> is set when the token is an invalidate event's:
/// MongoDB refuses resumeAfter with such a token, it must be used as startAfter.
/// </summary>
public sealed record ResumePosition(BsonDocument Token, bool AfterInvalidate);

/// <summary>
/// The one class that reads and writes `operator_state`: a watcher's resume position, as
/// { _id: "watch/&lt;name&gt;/&lt;scope&gt;", tenants, resumeToken, startAfter, updatedAt }. The collection lives in the
/// operator's database, so the database is part of the key by where the document is; the scope (<see cref="ScopeOf"/>)
/// is the rest, so operators managing different tenants of one database never overwrite each other's position.
/// </summary>
public sealed class ResumeTokenStore
{
    /// <summary>The scope of an operator that manages every tenant.</summary>
    public const string AllTenantsScope = "all";

    private readonly IMongoCollection<BsonDocument> _state;
    private readonly string _id;
    private readonly BsonValue _tenants;
    private readonly TimeProvider _time;

    public ResumeTokenStore(IMongoDatabase database, string watcherName, IReadOnlySet<string>? tenants = null, TimeProvider? time = null)
    {
        _state = database.GetCollection<BsonDocument>(ZpmCollections.OperatorState);
        _id = DocumentId(watcherName, tenants);
        _tenants = tenants is null ? BsonNull.Value : new BsonArray(tenants.Order(StringComparer.Ordinal));
        _time = time ?? TimeProvider.System;
    }

    /// <summary>"watch/&lt;name&gt;/&lt;scope&gt;", e.g. "watch/operator/all".</summary>
    public static string DocumentId(string watcherName, IReadOnlySet<string>? tenants) => $"watch/{watcherName}/{ScopeOf(tenants)}";

    /// <summary>
    /// "all" without a tenant filter; else "tenants-" and 16 hex digits of the SHA-256 of the sorted tenant codes, so
    /// the same set in any order names the same position and a long set still gives a short key. The document's
    /// `tenants` field lists the codes for a person reading it.
    /// </summary>
    public static string ScopeOf(IReadOnlySet<string>? tenants)
    {
        if (tenants is null)
        {
            return AllTenantsScope;
        }

        // Tenant codes are DNS labels, so a newline never occurs inside one and the joined text is unambiguous.
        var joined = string.Join('\n', tenants.Order(StringComparer.Ordinal));
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(joined));
        return "tenants-" + Convert.ToHexStringLower(hash)[..16];
    }

    public async Task<ResumePosition?> LoadAsync(CancellationToken cancellationToken)
    {
        var document = await _state.Find(Builders<BsonDocument>.Filter.Eq("_id", _id)).FirstOrDefaultAsync(cancellationToken);
        if (document is null || document.GetValue("resumeToken", BsonNull.Value) is not BsonDocument token)
        {
            return null;
        }

        var afterInvalidate = document.GetValue("startAfter", false);
        return new ResumePosition(token, afterInvalidate.IsBoolean && afterInvalidate.AsBoolean);
    }

    public async Task SaveAsync(ResumePosition position, CancellationToken cancellationToken)
    {
        var update = Builders<BsonDocument>.Update
            .Set("tenants", _tenants)
            .Set("resumeToken", position.Token)
            .Set("startAfter", position.AfterInvalidate)
            .Set("updatedAt", new BsonDateTime(_time.GetUtcNow().UtcDateTime));
        await _state.UpdateOneAsync(Builders<BsonDocument>.Filter.Eq("_id", _id), update, new UpdateOptions { IsUpsert = true }, cancellationToken);
    }

    public async Task DeleteAsync(CancellationToken cancellationToken) =>
        await _state.DeleteOneAsync(Builders<BsonDocument>.Filter.Eq("_id", _id), cancellationToken);
}
