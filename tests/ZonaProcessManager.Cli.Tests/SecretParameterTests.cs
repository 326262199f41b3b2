using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Cli.Tests;

/// <summary>`zpm tenant onboard` takes secret values from files or stdin and never echoes a value in an error.</summary>
public sealed class SecretParameterTests(MongoTestTarget target, ITestOutputHelper output) : IClassFixture<MongoTestTarget>, IDisposable
{
    private const string Secret = "Sup3r-s3cret-value";

    private const string Catalog = """
        apiVersion: zpm/v1
        kind: IntegrationDefinition
        metadata: { name: siem }
        spec:
          integration_id: 101
          image: zpm/busybox:latest
          parameters:
            - { name: url, env: SIEM_URL, required: true }
            - { name: key, env: SIEM_KEY, required: true, secret: true }
        """;

    private readonly ManifestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private string[] Connection(TestDatabase database) => ["--mongo", target.ConnectionString, "--database", database.Name];

    private async Task<CliResult> ZpmAsync(TestDatabase database, string standardInput, params string[] args)
    {
        var result = await CliRunner.RunWithInputAsync(standardInput, [.. args, .. Connection(database)]);
        output.WriteLine($"$ zpm {string.Join(' ', args)} → {result.ExitCode}\n{result.Output}{result.Error}");
        return result;
    }

    private async Task<TestDatabase> DatabaseWithCatalogAsync()
    {
        var database = target.CreateDatabase(output);
        Assert.Equal(0, (await ZpmAsync(database, "", "apply", "-f", _files.Write("catalog.yaml", Catalog))).ExitCode);
        return database;
    }

    private static async Task<BsonDocument> ParametersAsync(TestDatabase database) =>
        (await database.Collection<BsonDocument>("integrations").Find(new BsonDocument("_id", "acme/siem")).SingleAsync())["spec"]["parameters"].AsBsonDocument;

    [Fact]
    public async Task A_param_file_gives_values_literally_and_param_overrides_it()
    {
        await using var database = await DatabaseWithCatalogAsync();
        var file = _files.Write("siem.env", $"# SIEM credentials\n\nurl=https://from-file\nsiem.key={Secret}=with=equals\n");

        var result = await ZpmAsync(database, "", "tenant", "onboard", "acme", "-i", "siem", "--param-file", file, "-p", "url=https://override");

        Assert.Equal(0, result.ExitCode);
        var parameters = await ParametersAsync(database);
        Assert.Equal("https://override", parameters["url"].AsString);
        Assert.Equal($"{Secret}=with=equals", parameters["key"].AsString);
    }

    [Fact]
    public async Task At_file_and_stdin_give_a_value_without_its_final_newline()
    {
        await using var database = await DatabaseWithCatalogAsync();
        var keyFile = _files.Write("key.txt", Secret + "\n");

        var fromFile = await ZpmAsync(database, "", "tenant", "onboard", "acme", "-i", "siem", "-p", "url=u", "-p", $"key=@{keyFile}");
        var fromFileValues = await ParametersAsync(database);
        var fromStdin = await ZpmAsync(database, "https://from-stdin\n", "tenant", "onboard", "acme", "-i", "siem", "-p", "url=-");

        Assert.Equal(0, fromFile.ExitCode);
        Assert.Equal(Secret, fromFileValues["key"].AsString);
        Assert.Equal(0, fromStdin.ExitCode);
        Assert.Equal("https://from-stdin", (await ParametersAsync(database))["url"].AsString);
    }

    public static TheoryData<string[]> BadParameters() => new()
    {
        { ["-p", "url=u", "-p", $"colour={Secret}"] },
        { ["-p", "url=u", "-p", $"other.key={Secret}"] },
        { ["-p", "url=u", "-p", "key=-", "-p", "siem.key=-"] },
    };

    [Theory]
    [MemberData(nameof(BadParameters))]
    public async Task An_onboarding_error_never_contains_a_parameter_value(string[] parameters)
    {
        await using var database = await DatabaseWithCatalogAsync();

        var result = await ZpmAsync(database, Secret, ["tenant", "onboard", "acme", "-i", "siem", .. parameters]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("nothing written", result.Error);
        Assert.DoesNotContain(Secret, result.Error + result.Output);
    }

    [Fact]
    public async Task A_malformed_param_file_line_is_reported_by_number_without_its_content()
    {
        await using var database = await DatabaseWithCatalogAsync();
        var file = _files.Write("bad.env", $"url=u\n{Secret}\n");

        var result = await ZpmAsync(database, "", "tenant", "onboard", "acme", "-i", "siem", "--param-file", file, "-p", "key=k");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("line 2: must look like name=value", result.Error);
        Assert.DoesNotContain(Secret, result.Error);
    }

    [Fact]
    public async Task A_value_the_validator_refuses_is_not_echoed_from_the_servers_error_details()
    {
        await using var database = await DatabaseWithCatalogAsync();
        Assert.Equal(0, (await ZpmAsync(database, "", "install")).ExitCode);
        var oversized = Secret + new string('x', 70_000);
        var keyFile = _files.Write("big.txt", oversized);

        var result = await ZpmAsync(database, "", "tenant", "onboard", "acme", "-i", "siem", "-p", "url=u", "-p", $"key=@{keyFile}", "--verbose");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("code 121", result.Error);
        Assert.DoesNotContain(Secret, result.Error + result.Output);
    }
}
