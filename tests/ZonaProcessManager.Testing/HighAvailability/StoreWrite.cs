namespace ZonaProcessManager.Testing.HighAvailability;

/// <summary>One write command an operator process sent to the store, with what the store said it changed.</summary>
/// <param name="Instance">The operator process (instance and incarnation) whose relay carried it.</param>
/// <param name="At">When the command reached the relay.</param>
/// <param name="Command">insert, update, delete or findAndModify.</param>
/// <param name="Collection">The collection it names.</param>
/// <param name="Affected">
/// Documents the store reports inserted, modified, upserted or deleted; null while no reply has been seen (the reply
/// may still come, or the connection ended first).
/// </param>
/// <param name="Target">The first statement's filter (or the inserted document's _id), shortened, for failure messages.</param>
public sealed record StoreWrite(string Instance, DateTimeOffset At, string Command, string Collection, int? Affected, string Target)
{
    public override string ToString() => $"{At:HH:mm:ss.fff} {Instance} {Command} {Collection} {Target} affected {(Affected?.ToString() ?? "?")}";
}
