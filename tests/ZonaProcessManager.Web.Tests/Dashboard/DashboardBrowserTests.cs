using System.Net.Http.Json;
using System.Text.Json;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Mongo;
using ZonaProcessManager.Testing.Mongosh;
using ZonaProcessManager.Web.Dashboard;

namespace ZonaProcessManager.Web.Tests.Dashboard;

/// <summary>
/// The dashboard in a real browser (Debian's chromium via playwright-core) against the real operator in-process on the
/// Mongo test target and the real Docker Engine. Screenshots land in artifacts/dashboard/.
/// </summary>
[Collection(WebOperatorCollection.Name)]
public sealed class DashboardBrowserTests(DockerTestEnvironment docker, MongoTestTarget mongo, ITestOutputHelper output)
{
    private static readonly TimeSpan BrowserTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task A_service_inserted_with_mongosh_goes_from_Pending_to_Running_in_its_row_without_a_reload_and_its_page_links_its_endpoint()
    {
        await using var world = new DashboardUnderTest(docker, mongo, output);
        await world.StartOperatorServingDashboardAsync();
        var name = "web";
        await using var browser = BrowserDriver.Start(
            "live-row", world.BaseUrl, new Dictionary<string, string> { ["ZPM_SERVICE_NAME"] = name }, BrowserDriver.ScreenshotDirectory("live-row"));
        await browser.WaitForAsync("READY", BrowserTimeout);

        // Inserted with mongosh, as a user would: a plain insert, no status, so the first thing the page can show is Pending.
        var insert = $"db.getSiblingDB('{world.Database.DatabaseNamespace.DatabaseName}').services.insertOne({world.ServiceDocument(name).ToJson()})";
        var inserted = await Mongosh.Locate().EvalAsync(mongo.ConnectionString, insert);
        Assert.True(inserted.ExitCode == 0, inserted.ToString());

        var result = await browser.ResultAsync(BrowserTimeout);
        var phases = result.GetProperty("phases").EnumerateArray().Select(phase => phase.GetString()).ToList();
        output.WriteLine($"phases seen in the row: {string.Join(" -> ", phases)}");
        Assert.Equal("Pending", phases.First());
        Assert.Equal("Running", phases.Last());
        Assert.False(result.GetProperty("reloaded").GetBoolean(), "the page was reloaded");
        Assert.Equal($"services {world.Tenant}/{name}", result.GetProperty("title").GetString());
        Assert.Equal($"#/services/{world.Tenant}/{name}", result.GetProperty("hash").GetString());
        // The endpoint link on the service's page reaches the replica's web server through its published host port.
        Assert.Equal(200, result.GetProperty("endpointStatus").GetInt32());
        Assert.Contains("Containers", result.GetProperty("pageText").GetString());
        Assert.Contains($"zpm-{world.Tenant}-{name}-0", result.GetProperty("pageText").GetString());
    }

    [Fact]
    public async Task Secret_env_values_are_masked_on_the_service_page_and_in_the_JSON_API()
    {
        await using var world = new DashboardUnderTest(docker, mongo, output);
        await world.StartDashboardAsync();
        var secret = "s3cret-" + Guid.NewGuid().ToString("N");
        await world.Collection(ZpmCollections.Services).InsertOneAsync(world.ServiceDocument(
            "api",
            env: new BsonDocument { ["API_KEY"] = secret, ["GREETING"] = "hello" },
            annotations: new BsonDocument("zpm.secret-env", "API_KEY")));

        using var http = new HttpClient { BaseAddress = world.BaseUrl };
        var json = await http.GetStringAsync($"api/resources/services/{world.Tenant}/api");
        Assert.DoesNotContain(secret, json);
        var spec = JsonDocument.Parse(json).RootElement.GetProperty("document").GetProperty("spec");
        Assert.Equal("***", spec.GetProperty("env").GetProperty("API_KEY").GetString());
        Assert.Equal("hello", spec.GetProperty("env").GetProperty("GREETING").GetString());

        await using var browser = BrowserDriver.Start(
            "masked", world.BaseUrl,
            new Dictionary<string, string> { ["ZPM_KIND"] = "services", ["ZPM_TENANT"] = world.Tenant, ["ZPM_NAME"] = "api" },
            BrowserDriver.ScreenshotDirectory("masked"));
        var result = await browser.ResultAsync(BrowserTimeout);
        Assert.DoesNotContain(secret, result.GetProperty("html").GetString());
        Assert.Contains("\"API_KEY\": \"***\"", result.GetProperty("spec").GetString());
        Assert.Contains("\"GREETING\": \"hello\"", result.GetProperty("spec").GetString());
    }

    [Fact]
    public async Task Secret_integration_parameters_are_masked_in_the_JSON_API_by_what_the_catalog_marks_secret()
    {
        await using var world = new DashboardUnderTest(docker, mongo, output);
        await world.StartDashboardAsync();
        var secret = "key-" + Guid.NewGuid().ToString("N");
        await world.Collection(ZpmCollections.Catalog).InsertOneAsync(new BsonDocument
        {
            ["_id"] = "siem",
            ["kind"] = "IntegrationDefinition",
            ["metadata"] = new BsonDocument("name", "siem"),
            ["spec"] = new BsonDocument
            {
                ["integration_id"] = 101,
                ["title"] = "SIEM",
                ["image"] = DockerTestEnvironment.BusyboxImage,
                ["parameters"] = new BsonArray
                {
                    new BsonDocument { ["name"] = "api_key", ["env"] = "API_KEY", ["secret"] = true },
                    new BsonDocument { ["name"] = "api_url", ["env"] = "API_URL", ["secret"] = false },
                },
            },
        });
        await world.Collection(ZpmCollections.Integrations).InsertOneAsync(new BsonDocument
        {
            ["_id"] = $"{world.Tenant}/siem",
            ["kind"] = "IntegrationSpec",
            ["metadata"] = new BsonDocument { ["name"] = "siem", ["tenant"] = world.Tenant },
            ["spec"] = new BsonDocument
            {
                ["integration_id"] = 101,
                ["parameters"] = new BsonDocument { ["api_key"] = secret, ["api_url"] = "https://siem.example" },
            },
        });

        using var http = new HttpClient { BaseAddress = world.BaseUrl };
        var json = await http.GetStringAsync($"api/resources/integrations/{world.Tenant}/siem");
        Assert.DoesNotContain(secret, json);
        var parameters = JsonDocument.Parse(json).RootElement.GetProperty("document").GetProperty("spec").GetProperty("parameters");
        Assert.Equal("***", parameters.GetProperty("api_key").GetString());
        Assert.Equal("https://siem.example", parameters.GetProperty("api_url").GetString());
        Assert.DoesNotContain(secret, await http.GetStringAsync("api/resources/integrations"));
    }

    [Fact]
    public async Task A_scale_from_the_page_with_the_token_changes_the_document_and_a_wrong_token_changes_nothing()
    {
        var settings = DashboardSettings.WithActions();
        await using var world = new DashboardUnderTest(docker, mongo, output, settings);
        await world.StartDashboardAsync();
        await world.Collection(ZpmCollections.Services).InsertOneAsync(world.ServiceDocument("web"));
        var screenshots = BrowserDriver.ScreenshotDirectory("actions");

        await using (var wrong = BrowserDriver.Start("action", world.BaseUrl, Scale(world, "not-the-token", 3), screenshots))
        {
            var refused = await wrong.ResultAsync(BrowserTimeout);
            Assert.Contains("refused", refused.GetProperty("message").GetString());
        }

        Assert.Equal(1, (await world.FindServiceAsync("web"))!["spec"]["replicas"].ToInt32());

        await using var right = BrowserDriver.Start("action", world.BaseUrl, Scale(world, settings.ActionToken!, 3), screenshots);
        var done = await right.ResultAsync(BrowserTimeout);
        Assert.Equal("scale: done", done.GetProperty("message").GetString());
        Assert.Equal(3, (await world.FindServiceAsync("web"))!["spec"]["replicas"].ToInt32());
    }

    [Fact]
    public async Task Without_dashboard_actions_the_page_offers_no_actions()
    {
        await using var world = new DashboardUnderTest(docker, mongo, output);
        await world.StartDashboardAsync();
        await world.Collection(ZpmCollections.Services).InsertOneAsync(world.ServiceDocument("web"));

        await using var browser = BrowserDriver.Start("action", world.BaseUrl, Scale(world, "", 3));
        var result = await browser.ResultAsync(BrowserTimeout);
        Assert.False(result.GetProperty("offered").GetBoolean());
    }

    [Fact]
    public async Task A_thousand_services_are_paged_filtered_as_one_types_and_still_updated_live()
    {
        await using var world = new DashboardUnderTest(docker, mongo, output);
        await world.StartDashboardAsync();
        var services = world.Collection(ZpmCollections.Services);
        await services.InsertManyAsync(Enumerable.Range(0, 1000).Select(index => world.ServiceDocument($"svc-{index:D4}")));

        await using var browser = BrowserDriver.Start(
            "thousand", world.BaseUrl, new Dictionary<string, string> { ["ZPM_SERVICE_NAME"] = "svc-0999" }, BrowserDriver.ScreenshotDirectory("thousand"));
        await browser.WaitForAsync("READY", BrowserTimeout);
        await services.UpdateOneAsync(
            DashboardReadModel.KeyFilter(DashboardKind.Services, world.Tenant, "svc-0999"),
            Builders<BsonDocument>.Update.Set("status", new BsonDocument { ["phase"] = "Running", ["replicas"] = new BsonDocument { ["desired"] = 1, ["ready"] = 1 } }));
        var result = await browser.ResultAsync(BrowserTimeout);

        var before = result.GetProperty("before");
        Assert.Equal("(1000)", before.GetProperty("count").GetString());
        Assert.Equal("1000 of 1000", before.GetProperty("shown").GetString());
        Assert.Equal("page 1 of 10", before.GetProperty("pages").GetString());
        Assert.Equal(100, before.GetProperty("rows").GetInt32());
        Assert.Equal("svc-0100", result.GetProperty("secondPageFirst").GetString());
        Assert.Equal("1 of 1000", result.GetProperty("filtered").GetProperty("shown").GetString());
        Assert.Equal(1, result.GetProperty("filtered").GetProperty("rows").GetInt32());
        output.WriteLine($"filtering 1000 rows and redrawing took {result.GetProperty("filterMs").GetDouble():0.0} ms in the page");
    }

    private static Dictionary<string, string> Scale(DashboardUnderTest world, string token, int replicas) => new()
    {
        ["ZPM_KIND"] = "services",
        ["ZPM_TENANT"] = world.Tenant,
        ["ZPM_NAME"] = "web",
        ["ZPM_TOKEN"] = token,
        ["ZPM_REPLICAS"] = replicas.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
