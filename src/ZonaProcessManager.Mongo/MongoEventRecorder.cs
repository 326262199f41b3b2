using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Mongo;

/// <summary>
/// Inserts each event as one document of the `events` collection, in <see cref="EventDocuments"/>' shape. Given the
/// operator's <see cref="ILeadershipContext"/>, an event is inserted only under a confirmed leadership term and records
/// its generation (<see cref="LeaderFence"/>): an insert cannot be conditioned on another document, so the check is the
/// fence.
/// </summary>
/// <param name="leadership">The operator's leadership, which fences its events; null records unfenced.</param>
public sealed class MongoEventRecorder(IMongoDatabase database, ILeadershipContext? leadership = null) : IEventRecorder
{
    private readonly IMongoCollection<BsonDocument> _events = database.GetCollection<BsonDocument>(ZpmCollections.Events);
    private readonly LeaderFence _fence = new(leadership);

    public async Task RecordAsync(ResourceEvent resourceEvent, CancellationToken cancellationToken)
    {
        var generation = _fence.Generation(nameof(RecordAsync));
        await _events.InsertOneAsync(LeaderFence.Stamp(EventDocuments.ToDocument(resourceEvent), generation), cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
