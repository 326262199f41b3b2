using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Server;

/// <summary>Retryable write commands as a driver sends them (lsid + txnNumber), built by hand so a test controls both.</summary>
public static class RetryableCommands
{
    public static BsonDocument Retryable(BsonDocument command, Guid session, long txnNumber, string database)
    {
        command["lsid"] = new BsonDocument("id", new BsonBinaryData(session, GuidRepresentation.Standard));
        command["txnNumber"] = new BsonInt64(txnNumber);
        command["$db"] = database;
        return command;
    }

    public static BsonDocument Insert(string collection, BsonDocument document) =>
        new() { { "insert", collection }, { "documents", new BsonArray { document } }, { "ordered", true } };

    public static BsonDocument Increment(string collection, BsonValue id, int by = 1) =>
        new() { { "update", collection }, { "updates", new BsonArray { new BsonDocument { { "q", new BsonDocument("_id", id) }, { "u", new BsonDocument("$inc", new BsonDocument("n", by)) } } } } };

    public static BsonDocument FindAndIncrement(string collection, BsonValue id, int by) =>
        new() { { "findAndModify", collection }, { "query", new BsonDocument("_id", id) }, { "update", new BsonDocument("$inc", new BsonDocument("n", by)) }, { "new", true } };

    public static BsonDocument DeleteOne(string collection, BsonValue id) =>
        new() { { "delete", collection }, { "deletes", new BsonArray { new BsonDocument { { "q", new BsonDocument("_id", id) }, { "limit", 1 } } } } };

    /// <summary>The reply without the fields every reply gets afresh (cluster and operation time).</summary>
    public static BsonDocument Outcome(BsonDocument reply)
    {
        var copy = (BsonDocument)reply.DeepClone();
        copy.Remove("$clusterTime");
        copy.Remove("operationTime");
        return copy;
    }
}
