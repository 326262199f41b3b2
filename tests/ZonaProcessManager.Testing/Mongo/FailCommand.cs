using MongoDB.Bson;
using MongoDB.Driver;

namespace ZonaProcessManager.Testing.Mongo;

/// <summary>
/// MongoDB's <c>failCommand</c> fail point on a test target, set with <c>configureFailPoint</c> as the drivers' own
/// test suites do, and turned off again on dispose. The fail point is server-wide: tests name their client's appName
/// in <c>data</c> so that other tests' commands on the same server are never affected.
/// </summary>
public sealed class FailCommand : IAsyncDisposable
{
    private readonly IMongoDatabase _admin;
    private bool _off;

    private FailCommand(IMongoDatabase admin, long timesEnteredBefore)
    {
        _admin = admin;
        TimesEnteredBefore = timesEnteredBefore;
    }

    /// <summary>How often the fail point had fired on the server before this test set it (the reply's <c>count</c>).</summary>
    public long TimesEnteredBefore { get; }

    /// <summary>
    /// Sets the fail point. A server without test commands (a real mongod without enableTestCommands=1, `zpm mongo serve`
    /// without --enable-test-commands) refuses with 59 CommandNotFound: that fails the test with a message saying so.
    /// </summary>
    public static async Task<FailCommand> SetAsync(MongoTestTarget target, BsonValue mode, BsonDocument data)
    {
        var admin = target.Client.GetDatabase("admin");
        var command = new BsonDocument { { "configureFailPoint", "failCommand" }, { "mode", mode }, { "data", data } };
        try
        {
            var reply = await admin.RunCommandAsync<BsonDocument>(command);
            return new FailCommand(admin, reply["count"].ToInt64());
        }
        catch (MongoCommandException exception) when (exception.Code == 59)
        {
            throw new InvalidOperationException(
                $"{target.Description}: the server refuses configureFailPoint (59 CommandNotFound), so this test cannot run there. "
                + "A real mongod must run with --setParameter enableTestCommands=1; `zpm mongo serve` with --enable-test-commands.",
                exception);
        }
    }

    /// <summary>Turns the fail point off and returns how often it had fired on the server in all (the reply's <c>count</c>).</summary>
    public async Task<long> TurnOffAsync()
    {
        var reply = await _admin.RunCommandAsync<BsonDocument>(new BsonDocument { { "configureFailPoint", "failCommand" }, { "mode", "off" } });
        _off = true;
        return reply["count"].ToInt64();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_off)
        {
            await TurnOffAsync();
        }
    }

    /// <summary>A fresh application name for a client whose commands a fail point should affect, and no other client's.</summary>
    public static string NewAppName(string purpose) => $"fp-{purpose}-{Guid.NewGuid():N}";
}
