using MongoDB.Driver;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Mongo;

/// <summary>
/// The upsert of one resource document found by its key, as apply and the operator's child writes need it: two concurrent
/// creators of a new document both try to insert, and the loser sees a duplicate key and retries once, as an update of
/// the winner's document. The insert stamps metadata.creationTimestamp, which later writes leave as it is: zpm gives
/// its documents string ids, so their age cannot be read from an ObjectId as a hand-inserted document's can.
/// </summary>
internal static class Upsert
{
    public static async Task<UpdateResult> OneAsync<TDocument>(
        IMongoCollection<TDocument> collection, FilterDefinition<TDocument> filter, UpdateDefinition<TDocument> update, CancellationToken cancellationToken)
    {
        var stamped = Builders<TDocument>.Update.Combine(update, Builders<TDocument>.Update.SetOnInsert(DocumentFields.MetadataCreationTimestamp, DateTime.UtcNow));
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await collection.UpdateOneAsync(filter, stamped, new UpdateOptions { IsUpsert = true }, cancellationToken);
            }
            catch (MongoWriteException exception) when (exception.WriteError.Category == ServerErrorCategory.DuplicateKey && attempt < 2)
            {
            }
        }
    }

    /// <summary>What an upsert did, in kubectl's words.</summary>
    public static ApplyOutcome OutcomeOf(UpdateResult result) =>
        result.UpsertedId is not null ? ApplyOutcome.Created
        : result.ModifiedCount > 0 ? ApplyOutcome.Configured
        : ApplyOutcome.Unchanged;
}
