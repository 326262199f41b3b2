using System.Net;
using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Mongo;
using Xunit.Abstractions;

namespace ZonaProcessManager.Operator.Tests.Integration;

/// <summary>Failure action rollback on the real Docker Engine, with the operator probing health itself.</summary>
[Collection(OperatorIntegrationCollection.Name)]
public sealed class AutomaticRollbackOnDockerTests(DockerTestEnvironment docker, MongoTestTarget mongo, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly UpdateDefinitionBuilder<BsonDocument> Update = Builders<BsonDocument>.Update;
    private readonly OperatorUnderTest _operator = new(docker, mongo, output);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _operator.DisposeAsync();

    private BsonDocument PublishedService(string order)
    {
        var document = _operator.ServiceDocument("web", replicas: 2);
        document["spec"]["ports"] = new BsonArray { new BsonDocument { ["container"] = DockerTestEnvironment.BusyboxHttpPort, ["host"] = "auto" } };
        document["spec"]["update"] = new BsonDocument { ["order"] = order, ["monitorSeconds"] = 2 };
        document["spec"]["rollback"] = new BsonDocument { ["order"] = order };
        return document;
    }

    [Fact]
    public async Task A_start_first_rollout_to_an_unhealthy_image_rolls_back_by_itself_and_the_old_replicas_answer_every_probe()
    {
        await _operator.StartAsync();
        await _operator.InsertAsync(PublishedService("start-first"));
        var before = await _operator.WaitRunningAsync("web", 2);
        var old = await _operator.ContainersAsync("web");
        var ports = await Task.WhenAll(old.Select(c => docker.HostPortAsync(c.Id, DockerTestEnvironment.BusyboxHttpPort)));

        await using var prober = HttpProber.Start(ports);
        await _operator.UpdateSpecAsync("web", Update.Set("spec.image", DockerTestEnvironment.UnhealthyBusyboxImage));
        var rolledBack = await _operator.WaitForAsync("web",
            s => s.Rollout?.State == RolloutState.RolledBack && s.Containers.Count == 2, "rolled back to the previous revision");
        var (answers, failures) = await prober.StopAsync();

        output.WriteLine($"{answers} probes, {failures.Count} not 200: {string.Join("; ", failures.Take(5))}");
        Assert.True(answers > 20, $"only {answers} probes ran");
        Assert.Empty(failures);
        Assert.Equal(ResourcePhase.Degraded, rolledBack.Phase);
        Assert.Contains(rolledBack.Conditions, c => c is { Type: "Ready", Status: false, Reason: PlanOutcome.Reasons.RolledBack });
        Assert.Equal(1, rolledBack.Rollout!.ToRevision);
        Assert.Contains("is unhealthy", rolledBack.Rollout.Message);
        var containers = await _operator.ContainersAsync("web");
        Assert.Equal(old.Select(c => c.Id).Order(), containers.Select(c => c.Id).Order());
        Assert.All(containers, c => Assert.Equal(before.ObservedSpecHash, c.SpecHash));
        var events = await _operator.Store.ListEventsAsync(_operator.Key("web"), 50, CancellationToken.None);
        Assert.Contains(events, e => e is { Reason: PlanOutcome.Reasons.RolledBack, Type: EventType.Warning }
            && e.Message.Contains("revision 1", StringComparison.Ordinal) && e.Message.Contains("is unhealthy", StringComparison.Ordinal));

        // A later change to a good spec rolls out as usual and ends the rollback.
        await _operator.UpdateSpecAsync("web", Update.Set("spec.image", DockerTestEnvironment.BusyboxImage).Set("spec.env.GREETING", "again"));
        var fixedStatus = await _operator.WaitForAsync("web",
            s => s.Phase == ResourcePhase.Running && s.Rollout is null && s.ObservedSpecHash != before.ObservedSpecHash && s.Replicas.Ready == 2 && s.Containers.Count == 2,
            "Running on the fixed spec");
        Assert.All(await _operator.ContainersAsync("web"), c => Assert.Equal(fixedStatus.ObservedSpecHash, c.SpecHash));
    }

    [Fact]
    public async Task A_stop_first_rollout_to_an_unhealthy_image_rolls_back_and_restores_the_removed_old_replica()
    {
        await _operator.StartAsync();
        await _operator.InsertAsync(PublishedService("stop-first"));
        var before = await _operator.WaitRunningAsync("web", 2);

        await _operator.UpdateSpecAsync("web", Update.Set("spec.image", DockerTestEnvironment.UnhealthyBusyboxImage));
        var rolledBack = await _operator.WaitForAsync("web",
            s => s.Rollout?.State == RolloutState.RolledBack && s.Replicas.Ready == 2 && s.Containers.Count == 2, "rolled back with both replicas back");

        Assert.Equal(ResourcePhase.Degraded, rolledBack.Phase);
        var containers = await _operator.ContainersAsync("web");
        Assert.Equal(2, containers.Count);
        Assert.All(containers, c => Assert.Equal(before.ObservedSpecHash, c.SpecHash));
        Assert.All(containers, c => Assert.Equal(ContainerState.Running, c.State));
    }

    /// <summary>GETs each published port every 100 ms until stopped; any answer but 200 (or no answer) is a failure.</summary>
    private sealed class HttpProber : IAsyncDisposable
    {
        private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(2) };
        private readonly CancellationTokenSource _stop = new();
        private readonly List<string> _failures = [];
        private Task _loop = Task.CompletedTask;
        private int _answers;

        public static HttpProber Start(IReadOnlyList<int> ports)
        {
            var prober = new HttpProber();
            prober._loop = prober.RunAsync(ports);
            return prober;
        }

        public async Task<(int Answers, IReadOnlyList<string> Failures)> StopAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            return (_answers, _failures);
        }

        private async Task RunAsync(IReadOnlyList<int> ports)
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token))
                {
                    foreach (var port in ports)
                    {
                        await ProbeAsync(port);
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
        }

        private async Task ProbeAsync(int port)
        {
            try
            {
                using var response = await _client.GetAsync(new Uri($"http://127.0.0.1:{port}/"), _stop.Token);
                _answers++;
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    _failures.Add($"{port}: HTTP {(int)response.StatusCode}");
                }
            }
            catch (HttpRequestException exception)
            {
                _answers++;
                _failures.Add($"{port}: {exception.Message}");
            }
            catch (TaskCanceledException) when (!_stop.IsCancellationRequested)
            {
                _answers++;
                _failures.Add($"{port}: no answer within {_client.Timeout.TotalSeconds:0}s");
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop.ConfigureAwait(false);
            _stop.Dispose();
            _client.Dispose();
        }
    }
}
