using MongoDB.Bson;
using MongoDB.Driver;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Auth;

/// <summary>
/// configureFailPoint exists only on a server started with test commands enabled, and with authentication on only an
/// administrator may set it. About this server's switches, so not run against a real MongoDB.
/// </summary>
public sealed class TestCommandTests
{
    private static readonly BsonDocument FailFind = BsonDocument.Parse(
        "{ configureFailPoint: 'failCommand', mode: 'alwaysOn', data: { failCommands: ['find'], errorCode: 2 } }");

    [Fact]
    public async Task Without_test_commands_configureFailPoint_does_not_exist_even_for_the_administrator()
    {
        await using var server = await AuthServer.StartAsync();
        using var admin = server.AdminClient();

        var error = await Assert.ThrowsAsync<MongoCommandException>(() => admin.GetDatabase("admin").RunCommandAsync<BsonDocument>(FailFind));
        var parameter = await admin.GetDatabase("admin").RunCommandAsync<BsonDocument>(BsonDocument.Parse("{ getParameter: 1, enableTestCommands: 1 }"));

        Assert.Equal((59, "CommandNotFound", "no such command: 'configureFailPoint'"), (error.Code, error.CodeName, error.ErrorMessage));
        Assert.False(parameter["enableTestCommands"].ToBoolean());
    }

    [Fact]
    public async Task With_test_commands_only_a_cluster_administrator_may_set_a_fail_point_and_only_on_admin()
    {
        await using var server = await AuthServer.StartAsync(options => options with { EnableTestCommands = true });
        server.Server.CreateUser("app", "writer", "writer-password-1", ("readWrite", "app"));
        using var writer = server.Client("writer", "writer-password-1", "app");
        using var anonymous = server.Client();
        using var admin = server.AdminClient();

        var asWriter = await Assert.ThrowsAsync<MongoCommandException>(() => writer.GetDatabase("admin").RunCommandAsync<BsonDocument>(FailFind));
        var asAnonymous = await Assert.ThrowsAsync<MongoCommandException>(() => anonymous.GetDatabase("admin").RunCommandAsync<BsonDocument>(FailFind));
        var onOtherDatabase = await Assert.ThrowsAsync<MongoCommandException>(() => admin.GetDatabase("app").RunCommandAsync<BsonDocument>(FailFind));
        await writer.GetDatabase("app").GetCollection<BsonDocument>("c").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();
        var set = await admin.GetDatabase("admin").RunCommandAsync<BsonDocument>(FailFind);
        var findError = await Assert.ThrowsAsync<MongoCommandException>(() =>
            writer.GetDatabase("app").GetCollection<BsonDocument>("c").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync());
        var off = await admin.GetDatabase("admin").RunCommandAsync<BsonDocument>(BsonDocument.Parse("{ configureFailPoint: 'failCommand', mode: 'off' }"));

        Assert.Equal(13, asWriter.Code);
        Assert.Equal(13, asAnonymous.Code);
        Assert.Equal((13, "configureFailPoint may only be run against the admin database."), (onOtherDatabase.Code, onOtherDatabase.ErrorMessage));
        Assert.Equal(0, set["count"].ToInt64());
        Assert.Equal((2, "Failing command via 'failCommand' failpoint"), (findError.Code, findError.ErrorMessage));
        Assert.Equal(1, off["count"].ToInt64());
    }

    [Theory]
    [InlineData("{ configureFailPoint: 'failCommand' }", 20, "When setting a failpoint, you must supply a 'mode'")]
    [InlineData("{ configureFailPoint: 'failCommand', mode: 'sometimes' }", 2, "unknown mode: sometimes")]
    [InlineData("{ configureFailPoint: 'failCommand', mode: { times: -1 } }", 2, "'times' option to 'mode' must be positive")]
    [InlineData("{ configureFailPoint: 'failCommand', mode: { often: 1 } }", 2, "'mode' must be one of 'off', 'alwaysOn', '{times:n}', '{skip:n}' or '{activationProbability:p}'")]
    [InlineData("{ configureFailPoint: 'failCommand', mode: 1 }", 14, "'mode' must be a string or JSON object")]
    [InlineData("{ configureFailPoint: 'failCommand', mode: 'alwaysOn', data: 5 }", 14, "the 'data' option must be a JSON object")]
    [InlineData("{ configureFailPoint: 'maxTimeAlwaysTimeOut', mode: 'alwaysOn' }", 266, "maxTimeAlwaysTimeOut not found")]
    public async Task A_malformed_configureFailPoint_is_refused_and_leaves_commands_alone(string command, int code, string message)
    {
        await using var server = await AuthServer.StartAsync(options => options with { EnableTestCommands = true });
        using var admin = server.AdminClient();

        var error = await Assert.ThrowsAsync<MongoCommandException>(() => admin.GetDatabase("admin").RunCommandAsync<BsonDocument>(BsonDocument.Parse(command)));
        var found = await admin.GetDatabase("app").GetCollection<BsonDocument>("c").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();

        Assert.Equal((code, message), (error.Code, error.ErrorMessage));
        Assert.Empty(found);
    }

    [Fact]
    public async Task BlockConnection_without_blockTimeMS_fails_the_affected_command_with_InvalidOptions()
    {
        await using var server = await AuthServer.StartAsync(options => options with { EnableTestCommands = true });
        using var admin = server.AdminClient();
        await admin.GetDatabase("admin").RunCommandAsync<BsonDocument>(BsonDocument.Parse(
            "{ configureFailPoint: 'failCommand', mode: { times: 1 }, data: { failCommands: ['find'], blockConnection: true } }"));

        var error = await Assert.ThrowsAsync<MongoCommandException>(() =>
            admin.GetDatabase("app").GetCollection<BsonDocument>("c").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync());

        Assert.Equal((72, "must specify 'blockTimeMS' when 'blockConnection' is true"), (error.Code, error.ErrorMessage));
    }
}
