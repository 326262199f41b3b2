using Microsoft.Extensions.Logging;
using MongoDB.Bson;

namespace ZonaProcessManager.Mongo;

/// <summary>The change stream's per-event log lines, source-generated: no boxing or argument array per event.</summary>
internal static partial class MongoWatcherLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Delete of {Collection} document {Id} with an unknown key: relisting")]
    public static partial void DeleteOfUnknownKey(this ILogger logger, string collection, BsonValue id);

    [LoggerMessage(Level = LogLevel.Information, Message = "Change stream saw {Operation} of {Collection}: relisting")]
    public static partial void CollectionEventRelists(this ILogger logger, string operation, string collection);
}
