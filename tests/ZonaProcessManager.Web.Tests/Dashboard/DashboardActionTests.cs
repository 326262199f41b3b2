using System.Net;
using System.Net.Http.Json;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Mongo;
using ZonaProcessManager.Web.Dashboard;

namespace ZonaProcessManager.Web.Tests.Dashboard;

/// <summary>The action endpoints over HTTP: absent without --dashboard-actions, and with it guarded by the start's token.</summary>
[Collection(WebOperatorCollection.Name)]
public sealed class DashboardActionTests(DockerTestEnvironment docker, MongoTestTarget mongo, ITestOutputHelper output)
{
    [Fact]
    public async Task Without_dashboard_actions_an_action_is_not_found_and_changes_nothing()
    {
        await using var world = new DashboardUnderTest(docker, mongo, output);
        await world.StartDashboardAsync();
        await world.Collection(ZpmCollections.Services).InsertOneAsync(world.ServiceDocument("web"));
        using var http = new HttpClient { BaseAddress = world.BaseUrl };

        using var response = await Post(http, "scale", Body(world, 4), token: "anything");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(1, await ReplicasAsync(world));
    }

    [Fact]
    public async Task With_dashboard_actions_a_missing_or_wrong_token_is_forbidden_and_a_GET_is_no_action()
    {
        var settings = DashboardSettings.WithActions();
        await using var world = new DashboardUnderTest(docker, mongo, output, settings);
        await world.StartDashboardAsync();
        await world.Collection(ZpmCollections.Services).InsertOneAsync(world.ServiceDocument("web"));
        using var http = new HttpClient { BaseAddress = world.BaseUrl };

        using var missing = await Post(http, "scale", Body(world, 4), token: null);
        using var wrong = await Post(http, "scale", Body(world, 4), token: settings.ActionToken![..^1] + "x");
        using var get = await http.GetAsync($"api/actions/scale?kind=services&tenant={world.Tenant}&name=web&replicas=4");

        Assert.Equal(HttpStatusCode.Forbidden, missing.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Equal(1, await ReplicasAsync(world));
    }

    [Fact]
    public async Task With_the_token_scale_suspend_resume_and_delete_write_what_zpm_writes()
    {
        var settings = DashboardSettings.WithActions();
        await using var world = new DashboardUnderTest(docker, mongo, output, settings);
        await world.StartDashboardAsync();
        await world.Collection(ZpmCollections.Services).InsertOneAsync(world.ServiceDocument("web"));
        await world.Collection(ZpmCollections.Tenants).InsertOneAsync(new BsonDocument
        {
            ["_id"] = world.Tenant,
            ["kind"] = "Tenant",
            ["metadata"] = new BsonDocument("name", world.Tenant),
            ["spec"] = new BsonDocument("suspended", false),
        });
        using var http = new HttpClient { BaseAddress = world.BaseUrl };
        var token = settings.ActionToken!;
        var tenant = new DashboardActionRequest("tenants", null, world.Tenant, null);

        using (var scaled = await Post(http, "scale", Body(world, 4), token))
        {
            Assert.Equal(HttpStatusCode.OK, scaled.StatusCode);
        }

        Assert.Equal(4, await ReplicasAsync(world));
        using (var tooMany = await Post(http, "scale", Body(world, 5000), token))
        {
            Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
            Assert.Contains("between 0 and 1000", await tooMany.Content.ReadAsStringAsync());
        }

        using (var suspended = await Post(http, "suspend", tenant, token))
        {
            Assert.Equal(HttpStatusCode.OK, suspended.StatusCode);
        }

        Assert.True(await SuspendedAsync(world));
        using (var resumed = await Post(http, "resume", tenant, token))
        {
            Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        }

        Assert.False(await SuspendedAsync(world));
        using (var deleted = await Post(http, "delete", new DashboardActionRequest("services", world.Tenant, "web", null), token))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        Assert.True((await world.FindServiceAsync("web"))!["metadata"]["deletionRequested"].AsBoolean);
        using var missing = await Post(http, "scale", new DashboardActionRequest("services", world.Tenant, "nope", 2), token);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public void The_token_never_shows_in_the_settings_text()
    {
        var settings = DashboardSettings.WithActions();

        Assert.True(settings.ActionToken!.Length >= 40);
        Assert.DoesNotContain(settings.ActionToken, settings.ToString());
        Assert.DoesNotContain(settings.ActionToken, new OperatorSettings { Dashboard = settings }.ToString());
        Assert.NotEqual(settings.ActionToken, DashboardSettings.WithActions().ActionToken);
    }

    private static DashboardActionRequest Body(DashboardUnderTest world, int replicas) => new("services", world.Tenant, "web", replicas);

    private static async Task<HttpResponseMessage> Post(HttpClient http, string action, DashboardActionRequest body, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/actions/{action}") { Content = JsonContent.Create(body) };
        if (token is not null)
        {
            request.Headers.Add(DashboardActionToken.Header, token);
        }

        return await http.SendAsync(request);
    }

    private static async Task<int> ReplicasAsync(DashboardUnderTest world) => (await world.FindServiceAsync("web"))!["spec"]["replicas"].ToInt32();

    private static async Task<bool> SuspendedAsync(DashboardUnderTest world) =>
        (await world.Collection(ZpmCollections.Tenants).Find(Builders<BsonDocument>.Filter.Eq("_id", world.Tenant)).SingleAsync())["spec"]["suspended"].AsBoolean;
}
