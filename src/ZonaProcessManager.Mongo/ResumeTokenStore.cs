using MongoDB.Bson;
using MongoDB.Driver;

namespace ZonaProcessManager.Mongo;

/// <summary>
/// Where a watch resumes from. <paramref name="AfterInvalidate"/> is set when the token is an invalidate event's:
/// MongoDB refuses resumeAfter with such a token, it must be used as startAfter.
/// </summary>
public sealed record ResumePosition(BsonDocument Token, bool AfterInvalidate);

/// <summary>Persists a watcher's resume position in `operator_state` as { _id: "watch/&lt;name&gt;", resumeToken, startAfter, updatedAt }.</summary>
public sealed class ResumeTokenStore
{
    private readonly IMongoCollection<BsonDocument> _state;
    private readonly string _id;
    private readonly TimeProvider _time;

    public ResumeTokenStore(IMongoDatabase database, string watcherName, TimeProvider? time = null)
    {
        _state = database.GetCollection<BsonDocument>(ZpmCollections.OperatorState);
        _id = "watch/" + watcherName;
        _time = time ?? TimeProvider.System;
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
            .Set("resumeToken", position.Token)
            .Set("startAfter", position.AfterInvalidate)
            .Set("updatedAt", new BsonDateTime(_time.GetUtcNow().UtcDateTime));
        await _state.UpdateOneAsync(Builders<BsonDocument>.Filter.Eq("_id", _id), update, new UpdateOptions { IsUpsert = true }, cancellationToken);
    }

    public async Task DeleteAsync(CancellationToken cancellationToken) =>
        await _state.DeleteOneAsync(Builders<BsonDocument>.Filter.Eq("_id", _id), cancellationToken);
}
