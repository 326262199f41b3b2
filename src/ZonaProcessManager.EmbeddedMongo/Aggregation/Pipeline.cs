using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

/// <summary>What a pipeline may read besides its input, e.g. the foreign collection of $lookup.</summary>
public interface IAggregationSource
{
    /// <summary>All documents of a collection in the current database; empty when it does not exist.</summary>
    IEnumerable<BsonDocument> ReadCollection(string collectionName);
}

/// <summary>A parsed aggregation pipeline (not $changeStream, which the server handles itself).</summary>
public sealed class Pipeline
{
    /// <summary>Unsupported stages throw <see cref="MongoError"/> code 40324 "Unrecognized pipeline stage name: '$x'".</summary>
    public static Pipeline Parse(BsonArray stages) => throw new NotImplementedException();

    /// <summary>A leading $match, if any, so the caller can use an index before feeding documents in.</summary>
    public Query.Filter? LeadingMatch => throw new NotImplementedException();

    public IEnumerable<BsonDocument> Execute(IEnumerable<BsonDocument> input, IAggregationSource source) => throw new NotImplementedException();
}
