using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Mongo;

/// <summary>Inserts each event as one document of the `events` collection, in <see cref="EventDocuments"/>' shape.</summary>
public sealed class MongoEventRecorder(IMongoDatabase database) : IEventRecorder
{
    private readonly IMongoCollection<BsonDocument> _events = database.GetCollection<BsonDocument>(ZpmCollections.Events);

    public async Task RecordAsync(ResourceEvent resourceEvent, CancellationToken cancellationToken) =>
        await _events.InsertOneAsync(EventDocuments.ToDocument(resourceEvent), cancellationToken: cancellationToken).ConfigureAwait(false);
}
