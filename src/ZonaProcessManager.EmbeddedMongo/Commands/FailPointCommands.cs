using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Commands;

/// <summary>
/// <c>configureFailPoint</c>, a test command: it exists only when the server runs with test commands enabled
/// (<see cref="EmbeddedMongoOptions.EnableTestCommands"/>, `zpm mongo serve --enable-test-commands`), as mongod's
/// needs <c>--setParameter enableTestCommands=1</c>; otherwise the dispatcher answers 59 CommandNotFound.
/// </summary>
public static class FailPointCommands
{
    public static ValueTask<BsonDocument> ConfigureFailPoint(CommandContext context)
    {
        if (context.Database != "admin")
        {
            throw new MongoError(13, "Unauthorized", "configureFailPoint may only be run against the admin database.");
        }

        var name = context.CommandValue is BsonString text ? text.Value : context.CommandValue.ToString();
        if (name != FailCommandFailPoint.Name)
        {
            // failCommand is the only fail point this server has.
            throw new MongoError(266, "FailPointSetFailed", $"{name} not found");
        }

        var timesEntered = context.Server.FailCommand.Configure(context.Body);
        context.Server.Log($"configureFailPoint: failCommand set to {context.Body.GetValue("mode", BsonNull.Value)} {context.Body.GetValue("data", new BsonDocument())}");
        return ValueTask.FromResult(new BsonDocument("count", timesEntered));
    }
}
