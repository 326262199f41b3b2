using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Process;

/// <summary>`zpm mongo serve --enable-test-commands` as a user starts it; without the flag the test commands do not exist.</summary>
[Trait("Category", "Process")]
public sealed class TestCommandsFlagTests(ITestOutputHelper output)
{
    private static readonly BsonDocument FailFind = BsonDocument.Parse(
        "{ configureFailPoint: 'failCommand', mode: { times: 1 }, data: { failCommands: ['find'], errorCode: 2 } }");

    [Fact]
    public async Task The_flag_enables_configureFailPoint_with_a_warning_and_a_start_without_it_refuses_the_command()
    {
        await using var scope = new ChildServerScope(output);

        var enabled = await scope.StartAsync(["--enable-test-commands"]);
        using (var client = ChildServerScope.Connect(enabled))
        {
            var set = await client.GetDatabase("admin").RunCommandAsync<BsonDocument>(FailFind);
            var error = await Assert.ThrowsAsync<MongoCommandException>(() =>
                client.GetDatabase("app").GetCollection<BsonDocument>("c").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync());
            Assert.Equal(0, set["count"].ToInt64());
            Assert.Equal(2, error.Code);
        }

        Assert.Contains("test commands are enabled (--enable-test-commands)", enabled.Log);
        Assert.Equal(0, await enabled.StopAsync(TimeSpan.FromSeconds(30)));

        var byDefault = await scope.StartAsync();
        using (var client = ChildServerScope.Connect(byDefault))
        {
            var refused = await Assert.ThrowsAsync<MongoCommandException>(() => client.GetDatabase("admin").RunCommandAsync<BsonDocument>(FailFind));
            Assert.Equal((59, "CommandNotFound"), (refused.Code, refused.CodeName));
        }

        Assert.DoesNotContain("test commands are enabled", byDefault.Log);
    }
}
