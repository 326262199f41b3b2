using MongoDB.Driver;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Mongo;

/// <summary>
/// The one place driver exceptions become text. The driver's own messages embed the server's errInfo/details — for a
/// validation failure (121) that is every refused field with its consideredValue, which may be a secret parameter —
/// so nothing outside this class may log or record a MongoException's Message or ToString.
/// </summary>
public static class MongoErrors
{
    /// <summary>"code N (CodeName): errmsg" for server errors; the exception type and message for client-side ones.</summary>
    public static string Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            MongoWriteException write when write.WriteError is { } error => Server(error.Code, CodeName(error.Code), error.Message),
            MongoBulkWriteException bulk when bulk.WriteErrors.Count > 0 => Server(bulk.WriteErrors[0].Code, CodeName(bulk.WriteErrors[0].Code), bulk.WriteErrors[0].Message),
            MongoBulkWriteException bulk when bulk.WriteConcernError is { } concern => Server(concern.Code, concern.CodeName, concern.Message),
            MongoCommandException command => Server(command.Code, command.CodeName, command.ErrorMessage),
            MongoServerException server => $"{server.GetType().Name} from the server",
            MongoException => FirstLine(exception.Message),
            _ when exception.InnerException is MongoException inner => Describe(inner),
            _ => FirstLine(exception.Message),
        };
    }

    /// <summary>A <see cref="StoreException"/> for <paramref name="exception"/>, or null when it is not a driver error.</summary>
    public static StoreException? ToStoreException(string operation, Exception exception) =>
        exception is StoreException
            ? null
            : exception is MongoException || exception.InnerException is MongoException
                ? new StoreException(operation, Describe(exception), CodeOf(exception))
                : null;

    private static int? CodeOf(Exception exception) => exception switch
    {
        MongoWriteException write => write.WriteError?.Code,
        MongoBulkWriteException bulk when bulk.WriteErrors.Count > 0 => bulk.WriteErrors[0].Code,
        MongoCommandException command => command.Code,
        _ when exception.InnerException is { } inner => CodeOf(inner),
        _ => null,
    };

    private static string Server(int code, string? codeName, string? message) =>
        $"code {code}{(string.IsNullOrEmpty(codeName) ? "" : $" ({codeName})")}: {FirstLine(message ?? "")}";

    private static string? CodeName(int code) => code switch
    {
        121 => "DocumentValidationFailure",
        11000 => "DuplicateKey",
        _ => null,
    };

    // Client-side driver messages (timeouts, connection errors) hold server addresses and states, never documents;
    // only their first line is kept, as the rest repeats cluster descriptions.
    private static string FirstLine(string text)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }
}
