using MongoDB.Driver;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Stages;

/// <summary>
/// The server error code behind a driver exception, whether MongoDB reported it for the whole command (ok: 0) or for
/// one statement (writeErrors): MongoDB documents the code, not which of the two carries it for every command.
/// </summary>
internal static class ErrorCodes
{
    public static async Task<int> OfAsync(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (MongoCommandException command)
        {
            return command.Code;
        }
        catch (MongoWriteException write) when (write.WriteError is not null)
        {
            return write.WriteError.Code;
        }
        catch (MongoBulkWriteException bulk) when (bulk.WriteErrors.Count > 0)
        {
            return bulk.WriteErrors[0].Code;
        }

        throw new Xunit.Sdk.XunitException("the operation succeeded; an error was expected");
    }
}
