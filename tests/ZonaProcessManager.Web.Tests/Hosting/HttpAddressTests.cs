using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using ZonaProcessManager.Cli;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Mongo;
using ZonaProcessManager.Web.Hosting;

namespace ZonaProcessManager.Web.Tests.Hosting;

/// <summary>Where the HTTP endpoints listen: loopback unless remote access is asked for, and a clear error when they cannot.</summary>
[Collection(WebOperatorCollection.Name)]
public sealed class HttpAddressTests(DockerTestEnvironment docker, MongoTestTarget mongo, ITestOutputHelper output)
{
    [Theory]
    [InlineData("0.0.0.0:9400")]
    [InlineData("[::]:9400")]
    [InlineData("192.0.2.10:9400")]
    public async Task Zpm_run_refuses_an_address_other_hosts_reach_unless_allowed_before_anything_starts(string address)
    {
        var (exitCode, standardOutput, standardError) = await ZpmAsync("run", "--http", address, "--mongo", "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=1");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--http-allow-remote", standardError, StringComparison.Ordinal);
        Assert.Contains("no authentication", standardError, StringComparison.Ordinal);
        Assert.DoesNotContain("installed:", standardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("9400")]
    [InlineData("example.com:9400")]
    [InlineData("127.0.0.1:99999")]
    [InlineData("127.0.0.1")]
    public async Task Zpm_run_says_what_a_bad_http_address_should_look_like(string address)
    {
        var (exitCode, _, standardError) = await ZpmAsync("run", "--http", address, "--mongo", "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=1");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("is not ADDRESS:PORT", standardError, StringComparison.Ordinal);
    }

    [Fact]
    public void The_library_refuses_a_remote_address_too_unless_allowed()
    {
        var remote = new HttpSettings { Endpoint = new IPEndPoint(IPAddress.Any, 9400) };

        var refused = Assert.Throws<ArgumentException>(() => new ServiceCollection().AddOperatorHttp(remote));
        Assert.Contains("--http-allow-remote", refused.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new OperatorSettings { Http = remote }.Validate());
        new ServiceCollection().AddOperatorHttp(remote with { AllowRemote = true });
        new OperatorSettings { Http = remote with { AllowRemote = true } }.Validate();
    }

    [Fact]
    public async Task An_address_in_use_stops_the_start_with_an_error_naming_it()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var taken = (IPEndPoint)holder.LocalEndpoint;
        await using var zpm = new OperatorWithHttp(docker, mongo, output, settings => settings with { Http = new HttpSettings { Endpoint = taken } });

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => zpm.StartAsync());

        Assert.Contains($"Cannot serve HTTP on {taken}", failure.Message, StringComparison.Ordinal);
        Assert.Contains("--http", failure.Message, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output, string Error)> ZpmAsync(params string[] args)
    {
        using var standardOutput = new StringWriter();
        using var standardError = new StringWriter();
        var application = new CliApplication(new CliContext(standardOutput, standardError, _ => null));
        var exitCode = await application.RunAsync(args);
        return (exitCode, standardOutput.ToString(), standardError.ToString());
    }
}
