using System.Security.Cryptography;
using System.Text;
using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Domain.Ports;

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
/// Every instance of one scope shares the position, so a new leader resumes where the old one saved. With a leadership
/// context the saves are fenced like the operator's other writes (<see cref="LeaderFence"/>), except that a refused save
/// is skipped rather than thrown: a deposed leader that wakes up after a newer term saved must not move the shared
/// position back, and losing its own save costs nothing (the new leader replays from its own position).
/// </summary>
public sealed class ResumeTokenStore
{
    /// <summary>The scope of an operator that manages every tenant.</summary>
    public const string AllTenantsScope = "all";

    private readonly IMongoCollection<BsonDocument> _state;
    private readonly string _id;
    private readonly BsonValue _tenants;
    private readonly TimeProvider _time;
    private readonly ILeadershipContext? _leadership;

    public ResumeTokenStore(
        IMongoDatabase database, string watcherName, IReadOnlySet<string>? tenants = null, TimeProvider? time = null, ILeadershipContext? leadership = null)
    {
        _leadership = leadership;
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

    /// <summary>Saves <paramref name="position"/>; returns false when the fence skipped it (see the type's remarks).</summary>
    public async Task<bool> SaveAsync(ResumePosition position, CancellationToken cancellationToken)
    {
        if (!TryGeneration(out var generation))
        {
            return false;
        }

        var update = Builders<BsonDocument>.Update
            .Set("tenants", _tenants)
            .Set("resumeToken", position.Token)
            .Set("startAfter", position.AfterInvalidate)
            .Set("updatedAt", new BsonDateTime(_time.GetUtcNow().UtcDateTime));
        try
        {
            await _state.UpdateOneAsync(
                LeaderFence.Filter(ById, generation), LeaderFence.Stamp(update, generation), new UpdateOptions { IsUpsert = true }, cancellationToken);
            return true;
        }
        catch (MongoWriteException exception) when (generation is not null && exception.WriteError.Category == ServerErrorCategory.DuplicateKey)
        {
            // The fenced filter missed a document that exists, so the upsert tried to insert its _id: a newer term saved.
            return false;
        }
    }

    /// <summary>Drops the saved position (fenced like <see cref="SaveAsync"/>: a deposed leader drops nothing).</summary>
    public async Task DeleteAsync(CancellationToken cancellationToken)
    {
        if (TryGeneration(out var generation))
        {
            await _state.DeleteOneAsync(LeaderFence.Filter(ById, generation), cancellationToken);
        }
    }

    private FilterDefinition<BsonDocument> ById => Builders<BsonDocument>.Filter.Eq("_id", _id);

    // Unfenced (no context): always, with no generation. Fenced: only under a confirmed term, with its generation.
    private bool TryGeneration(out long? generation)
    {
        generation = null;
        if (_leadership is null)
        {
            return true;
        }

        if (_leadership.Current is not { } term || !_leadership.IsConfirmed)
        {
            return false;
        }

        generation = term.Generation;
        return true;
    }
}
