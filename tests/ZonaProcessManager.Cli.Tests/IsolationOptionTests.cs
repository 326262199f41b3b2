using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Cli.Tests;

/// <summary>`zpm install --allow-host-path/--allow-host-ip` installs the allow-lists it was given, and only those.</summary>
public sealed class IsolationOptionTests(MongoTestTarget target, ITestOutputHelper output) : IClassFixture<MongoTestTarget>
{
    private async Task<CliResult> ZpmAsync(TestDatabase database, params string[] args)
    {
        var result = await CliRunner.RunAsync([.. args, "--mongo", target.ConnectionString, "--database", database.Name]);
        output.WriteLine($"$ zpm {string.Join(' ', args)} → {result.ExitCode}\n{result.Output}{result.Error}");
        return result;
    }

    private static BsonDocument Bind(string name, string hostPath, string hostIp = "127.0.0.1") => new()
    {
        ["_id"] = $"acme/{name}",
        ["apiVersion"] = "zpm/v1",
        ["kind"] = "ServiceSpec",
        ["metadata"] = new BsonDocument { ["name"] = name, ["tenant"] = "acme" },
        ["spec"] = new BsonDocument
        {
            ["image"] = "zpm/busybox:latest",
            ["ports"] = new BsonArray { new BsonDocument { ["container"] = 8080, ["hostIp"] = hostIp } },
            ["volumes"] = new BsonArray { new BsonDocument { ["hostPath"] = hostPath, ["target"] = "/data" } },
        },
    };

    [Fact]
    public async Task Install_with_an_allow_list_admits_paths_under_it_and_nothing_else()
    {
        await using var database = target.CreateDatabase(output);
        var services = database.Collection<BsonDocument>("services");

        var installed = await ZpmAsync(database, "install", "--allow-host-path", "/srv/zpm", "--allow-host-ip", "10.1.2.3");
        await services.InsertOneAsync(Bind("allowed", "/srv/zpm/acme", "10.1.2.3"));
        var root = await Assert.ThrowsAsync<MongoWriteException>(() => services.InsertOneAsync(Bind("root", "/")));
        var anyIp = await Assert.ThrowsAsync<MongoWriteException>(() => services.InsertOneAsync(Bind("any-ip", "/srv/zpm/acme", "0.0.0.0")));

        Assert.Equal(0, installed.ExitCode);
        Assert.Equal(121, root.WriteError.Code);
        Assert.Equal(121, anyIp.WriteError.Code);
    }

    [Theory]
    [InlineData("--allow-host-path", "srv/zpm", "--allow-host-path 'srv/zpm' must be an absolute path")]
    [InlineData("--allow-host-path", "/srv/../etc", "must not contain '.' or '..' segments")]
    [InlineData("--allow-host-ip", "everywhere", "--allow-host-ip 'everywhere' is not an IP address")]
    public async Task A_bad_allow_list_entry_is_a_usage_error(string option, string value, string message)
    {
        await using var database = target.CreateDatabase(output);

        var result = await ZpmAsync(database, "install", option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error);
    }
}
