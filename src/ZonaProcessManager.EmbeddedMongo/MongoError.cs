using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo;

/// <summary>
/// An error the server reports to the client as <c>{ok: 0, errmsg, code, codeName}</c>.
/// Codes and names are MongoDB's own (src/mongo/base/error_codes.yml) so that drivers react as they would to a real server.
/// </summary>
public sealed class MongoError : Exception
{
    public MongoError(int code, string codeName, string message, BsonDocument? extraFields = null, IReadOnlyList<string>? errorLabels = null)
        : base(message)
    {
        Code = code;
        CodeName = codeName;
        ExtraFields = extraFields;
        ErrorLabels = errorLabels ?? [];
    }

    public int Code { get; }
    public string CodeName { get; }

    /// <summary>Fields merged into the error reply, e.g. keyPattern/keyValue for 11000 or errInfo for 121.</summary>
    public BsonDocument? ExtraFields { get; }

    /// <summary>Labels such as ResumableChangeStreamError that tell a driver how to react.</summary>
    public IReadOnlyList<string> ErrorLabels { get; }

    public static MongoError BadValue(string message) => new(2, "BadValue", message);
    public static MongoError FailedToParse(string message) => new(9, "FailedToParse", message);
    public static MongoError TypeMismatch(string message) => new(14, "TypeMismatch", message);
    public static MongoError InvalidOptions(string message) => new(72, "InvalidOptions", message);
    public static MongoError CommandNotFound(string command) => new(59, "CommandNotFound", $"no such command: '{command}'");
    public static MongoError NamespaceNotFound(string message) => new(26, "NamespaceNotFound", message);
    public static MongoError NamespaceExists(string message) => new(48, "NamespaceExists", message);
    public static MongoError CursorNotFound(long id) => new(43, "CursorNotFound", $"cursor id {id} not found");
    public static MongoError Location(int code, string message) => new(code, $"Location{code}", message);
    public static MongoError NotSupportedOnView(string ns) => new(166, "CommandNotSupportedOnView", $"Namespace {ns} is a view, not a collection");
}
