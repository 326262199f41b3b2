namespace ZonaProcessManager.Domain.Ports;

/// <summary>
/// A store (MongoDB) operation failed. Its message is safe to log and to record: the server's code and message only,
/// never a document or a value the server considered (a validator's errInfo can hold any field, secrets included). It
/// carries no inner exception, so ToString is as safe as Message.
/// </summary>
public sealed class StoreException(string operation, string safeMessage, int? code = null) : Exception($"{operation}: {safeMessage}")
{
    /// <summary>What was attempted, e.g. "WriteStatusAsync".</summary>
    public string Operation { get; } = operation;

    /// <summary>The server's error code when it gave one (121 document failed validation, 11000 duplicate key).</summary>
    public int? Code { get; } = code;
}
