using System.Net;
using Xunit.Abstractions;
using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Web.Tests.Metrics;

/// <summary>
/// A Prometheus scrape of a running operator (in-process, real Docker, the Mongo test target) that has reconciled one
/// ServiceSpec to Running, parsed by the Prometheus client library's parser: the series a user graphs are there with
/// the values the run must have produced.
/// </summary>
[Collection(WebOperatorCollection.Name)]
public sealed class MetricsScrapeTests(DockerTestEnvironment docker, MongoTestTarget mongo, ITestOutputHelper output)
{
    [Fact]
    public async Task A_scrape_after_one_service_became_Running_parses_and_shows_its_reconciles_phase_docker_calls_and_runtime()
    {
        await using var zpm = new OperatorWithHttp(docker, mongo, output);
        await zpm.StartAsync();
        await zpm.Services.InsertOneAsync(zpm.ServiceDocument("web"));
        await zpm.WaitRunningAsync("web");

        // The gauge follows the status write the test just saw; polling covers the instant between the two.
        IReadOnlyList<PrometheusFamily> families = [];
        string scrape = "";
        await Eventually.TrueAsync(
            async () =>
            {
                using var response = await zpm.Http.GetAsync(new Uri("/metrics", UriKind.Relative));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
                scrape = await response.Content.ReadAsStringAsync();
                families = await PrometheusTextParser.ParseAsync(scrape);
                return Value(families, "zpm_resources", ("kind", "ServiceSpec"), ("phase", "Running")) == 1;
            },
            OperatorWithHttp.Deadline,
            "zpm_resources{kind=\"ServiceSpec\",phase=\"Running\"} to be 1");
        output.WriteLine(scrape);

        Assert.Equal("gauge", Family(families, "zpm_resources").Type);
        Assert.Equal("counter", Family(families, "zpm_reconcile").Type);
        Assert.True(Value(families, "zpm_reconcile_total", ("kind", "ServiceSpec"), ("result", "success")) >= 1, "a successful ServiceSpec reconcile");
        Assert.Equal("histogram", Family(families, "zpm_reconcile_duration_seconds").Type);
        Assert.True(Value(families, "zpm_reconcile_duration_seconds_count", ("kind", "ServiceSpec")) >= 1);
        Assert.True(Value(families, "zpm_docker_requests_total", ("operation", "create"), ("result", "success")) >= 1, "the container was created through Docker");
        Assert.Equal("histogram", Family(families, "zpm_docker_request_duration_seconds").Type);
        Assert.True(Value(families, "zpm_workqueue_adds_total", ("kind", "ServiceSpec")) >= 1);
        Assert.NotNull(Value(families, "zpm_workqueue_depth", ("kind", "ServiceSpec")));
        Assert.Equal("histogram", Family(families, "zpm_workqueue_queue_duration_seconds").Type);
        // The insert itself may land before the stream opens (the start-up resync finds it then); the status writes that follow never do.
        Assert.True(Sum(families, "zpm_watch_events_total", ("collection", "services")) >= 1, "changes of services came through the change stream");
        Assert.Equal(1, Value(families, "zpm_leader"));
        Assert.Contains(families, family => family.Name.StartsWith("process_", StringComparison.Ordinal) && family.Samples.Count > 0);
        Assert.Contains(families, family => family.Name.StartsWith("dotnet_", StringComparison.Ordinal) && family.Samples.Count > 0);
    }

    private static PrometheusFamily Family(IReadOnlyList<PrometheusFamily> families, string name) =>
        families.SingleOrDefault(family => family.Name == name)
        ?? throw new Xunit.Sdk.XunitException($"no metric family {name}; families: {string.Join(", ", families.Select(f => f.Name))}");

    private static double Sum(IReadOnlyList<PrometheusFamily> families, string sample, params (string Name, string Value)[] labels) =>
        families.SelectMany(family => family.Samples)
            .Where(s => s.Name == sample && labels.All(label => s.Labels.TryGetValue(label.Name, out var value) && value == label.Value))
            .Sum(s => s.Value);

    /// <summary>The value of the one sample named <paramref name="sample"/> that has these labels, or null when none has.</summary>
    private static double? Value(IReadOnlyList<PrometheusFamily> families, string sample, params (string Name, string Value)[] labels)
    {
        var matches = families.SelectMany(family => family.Samples)
            .Where(s => s.Name == sample && labels.All(label => s.Labels.TryGetValue(label.Name, out var value) && value == label.Value))
            .ToList();
        return matches.Count switch
        {
            0 => null,
            1 => matches[0].Value,
            _ => throw new Xunit.Sdk.XunitException($"{matches.Count} samples {sample} match {string.Join(",", labels)}"),
        };
    }
}
