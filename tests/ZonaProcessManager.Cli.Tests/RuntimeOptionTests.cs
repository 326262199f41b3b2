using System.CommandLine;
using ZonaProcessManager.Cli.Commands;
using ZonaProcessManager.Cli.Hosting;
using ZonaProcessManager.Docker.Swarm;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Cli.Tests;

/// <summary>`zpm run --runtime/--tenant-network-encrypted/--swarm-publish`: which runtime is chosen from the engine's answer, and why.</summary>
public sealed class RuntimeOptionTests
{
    private static readonly SwarmEngineState Manager = new("active", true, "n1", "10.77.0.11", 3, 1, null);
    private static readonly SwarmEngineState Worker = new("active", false, "n2", "10.77.0.12", 0, 0, null);
    private static readonly SwarmEngineState NoSwarm = new("inactive", false, "", "", 0, 0, null);
    private static readonly SwarmEngineState FailedJoin = new("error", false, "", "", 0, 0, "Timeout was reached before node joined");

    private static Task<WorkloadRuntimeChoice> ChooseAsync(Func<CancellationToken, Task<SwarmEngineState>> probe, params string[] args)
    {
        var options = new RuntimeOptions();
        var command = new Command("run");
        options.AddTo(command);
        var parseResult = command.Parse(args);
        Assert.Empty(parseResult.Errors);
        return options.ChooseAsync(parseResult, probe, CancellationToken.None);
    }

    private static Func<CancellationToken, Task<SwarmEngineState>> Answers(SwarmEngineState state) => _ => Task.FromResult(state);

    private static Task<SwarmEngineState> Unreachable(CancellationToken _) =>
        throw new ContainerRuntimeException("probe swarm", "engine", ContainerRuntimeErrorKind.Unavailable, "Docker Engine unreachable (No such file or directory)");

    private static Task<SwarmEngineState> MustNotAsk(CancellationToken _) => throw new InvalidOperationException("the engine was asked");

    [Fact]
    public async Task By_default_an_active_swarm_manager_gets_the_swarm_runtime_with_host_publishing_and_plain_networks()
    {
        var choice = await ChooseAsync(Answers(Manager));

        Assert.Equal(WorkloadRuntimeKind.Swarm, choice.Kind);
        Assert.Equal("swarm (--runtime auto: the engine is an active Swarm manager (node n1, 3 nodes, 1 manager))", choice.Describe());
        Assert.Equal(SwarmPublishMode.Host, choice.Swarm!.PublishMode);
        Assert.False(choice.Swarm.EncryptedTenantNetworks);
    }

    [Theory]
    [InlineData("inactive", "not part of a swarm (Swarm state inactive)")]
    [InlineData("worker", "a Swarm worker (node n2), not a manager")]
    [InlineData("error", "not an active Swarm manager (Swarm state error: Timeout was reached before node joined)")]
    public async Task Auto_takes_docker_on_any_engine_that_is_not_an_active_manager_and_says_what_it_is(string engine, string reason)
    {
        var state = engine switch { "inactive" => NoSwarm, "worker" => Worker, _ => FailedJoin };

        var choice = await ChooseAsync(Answers(state), "--runtime", "auto");

        Assert.Equal(WorkloadRuntimeKind.Docker, choice.Kind);
        Assert.Null(choice.Swarm);
        Assert.StartsWith("docker (--runtime auto: the engine is ", choice.Describe());
        Assert.Contains(reason, choice.Reason);
    }

    [Fact]
    public async Task Auto_with_an_engine_that_does_not_answer_takes_docker_and_says_so()
    {
        var choice = await ChooseAsync(Unreachable);

        Assert.Equal(WorkloadRuntimeKind.Docker, choice.Kind);
        Assert.Contains("the engine did not say whether it is a Swarm manager (Docker Engine unreachable (No such file or directory))", choice.Reason);
        Assert.Contains("--runtime swarm insists on Swarm", choice.Reason);
    }

    [Fact]
    public async Task Swarm_options_under_auto_on_a_plain_engine_are_reported_as_ignored()
    {
        var choice = await ChooseAsync(Answers(NoSwarm), "--tenant-network-encrypted", "--swarm-publish", "ingress");

        Assert.Equal(WorkloadRuntimeKind.Docker, choice.Kind);
        Assert.EndsWith("; --tenant-network-encrypted and --swarm-publish ignored (swarm runtime only)", choice.Reason);
    }

    [Fact]
    public async Task Runtime_swarm_on_a_manager_takes_the_swarm_options_given()
    {
        var choice = await ChooseAsync(Answers(Manager), "--runtime", "swarm", "--tenant-network-encrypted", "--swarm-publish", "ingress");

        Assert.Equal(WorkloadRuntimeKind.Swarm, choice.Kind);
        Assert.StartsWith("--runtime swarm; the engine is an active Swarm manager", choice.Reason);
        Assert.Equal(SwarmPublishMode.Ingress, choice.Swarm!.PublishMode);
        Assert.True(choice.Swarm.EncryptedTenantNetworks);
    }

    [Theory]
    [InlineData("inactive", "--runtime swarm needs a Docker Swarm manager, but the engine is not part of a swarm (Swarm state inactive); point DOCKER_HOST at a manager of the swarm")]
    [InlineData("worker", "--runtime swarm needs a Docker Swarm manager, but the engine is a Swarm worker (node n2), not a manager")]
    public async Task Runtime_swarm_on_an_engine_that_is_not_a_manager_fails_naming_what_the_engine_is(string engine, string message)
    {
        var refused = await Assert.ThrowsAsync<NotASwarmManagerException>(() => ChooseAsync(Answers(engine == "worker" ? Worker : NoSwarm), "--runtime", "swarm"));

        Assert.StartsWith(message, refused.Message);
    }

    [Fact]
    public async Task Runtime_swarm_with_an_engine_that_does_not_answer_fails_with_the_engine_error()
    {
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => ChooseAsync(Unreachable, "--runtime", "swarm"));

        Assert.Equal("--runtime swarm: cannot ask the Docker engine whether it is a Swarm manager: probe swarm engine: Docker Engine unreachable (No such file or directory)", refused.Message);
    }

    [Fact]
    public async Task Runtime_docker_never_asks_the_engine()
    {
        var choice = await ChooseAsync(MustNotAsk, "--runtime", "docker");

        Assert.Equal(WorkloadRuntimeKind.Docker, choice.Kind);
        Assert.Equal("docker (--runtime docker)", choice.Describe());
    }

    [Theory]
    [InlineData("--tenant-network-encrypted")]
    [InlineData("--swarm-publish", "host")]
    public async Task Swarm_options_with_runtime_docker_are_a_usage_error(params string[] swarmOption)
    {
        var refused = await Assert.ThrowsAsync<CliUsageException>(() => ChooseAsync(MustNotAsk, ["--runtime", "docker", .. swarmOption]));

        Assert.Contains("apply to the swarm runtime only, not to --runtime docker", refused.Message);
        Assert.StartsWith(swarmOption[0], refused.Message);
    }

    [Theory]
    [InlineData("--runtime", "kubernetes")]
    [InlineData("--swarm-publish", "mesh")]
    public async Task Values_outside_the_choices_are_refused_before_anything_starts(string option, string value)
    {
        var result = await CliRunner.RunAsync("run", option, value, "--mongo-port", "0", "--data-dir", Path.Combine(Path.GetTempPath(), "zpm-never-" + Guid.NewGuid().ToString("N")));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(value, result.Error);
        Assert.DoesNotContain("embedded MongoDB listening", result.Output);
    }
}
