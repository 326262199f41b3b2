using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

/// <summary>
/// The value of $$NOW: MongoDB documents it as the same time throughout one operation, so a pipeline update that sets
/// renewedAt: "$$NOW" and expiresAt: {$add: ["$$NOW", ms]} stores exactly ms between them. Each command fixes it once
/// (<see cref="Begin"/>); an evaluation outside a command reads the clock.
/// </summary>
internal static class StatementClock
{
    private static readonly AsyncLocal<BsonDateTime?> Current = new();

    public static BsonDateTime Now => Current.Value ?? new BsonDateTime(DateTime.UtcNow);

    /// <summary>Fixes $$NOW for the rest of the calling async flow (one command).</summary>
    public static void Begin() => Current.Value = new BsonDateTime(DateTime.UtcNow);
}
