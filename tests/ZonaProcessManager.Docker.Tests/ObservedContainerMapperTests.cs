using Docker.DotNet.Models;
using ZonaProcessManager.Docker;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Probing;

namespace ZonaProcessManager.Docker.Tests;

public sealed class ObservedContainerMapperTests
{
    private static ContainerInspectResponse Inspection(
        State state, Dictionary<string, string>? labels = null, long restartCount = 0) => new()
        {
            ID = "0123456789abcdef",
            Created = new DateTime(2026, 11, 25, 20, 59, 59, DateTimeKind.Utc),
            Name = "/zpm-acme-web-1",
            RestartCount = restartCount,
            State = state,
            Config = new ContainerConfig
            {
                Labels = labels ?? new Dictionary<string, string>
                {
                    [ZpmLabels.Managed] = "true",
                    [ZpmLabels.Kind] = "ServiceSpec",
                    [ZpmLabels.Tenant] = "acme",
                    [ZpmLabels.Name] = "web",
                    [ZpmLabels.Replica] = "1",
                    [ZpmLabels.SpecHash] = "h1",
                },
            },
        };

    [Fact]
    public void Maps_a_healthy_running_replica()
    {
        var observed = ObservedContainerMapper.Map(Inspection(
            new State
            {
                Status = "running",
                Running = true,
                StartedAt = "2026-11-25T21:00:01.123456789Z",
                Health = new Health { Status = "healthy" },
            },
            restartCount: 3));

        Assert.NotNull(observed);
        Assert.Equal("0123456789abcdef", observed.Id);
        Assert.Equal("zpm-acme-web-1", observed.Name);
        Assert.Equal(new ResourceKey("ServiceSpec", "acme", "web"), observed.Owner);
        Assert.Equal(1, observed.Replica);
        Assert.Equal("h1", observed.SpecHash);
        Assert.Equal(ContainerState.Running, observed.State);
        Assert.Equal(ContainerHealth.Healthy, observed.Health);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 21, 0, 1, TimeSpan.Zero).AddTicks(1234568), observed.StartedAt); // nanoseconds round to the nearest tick
        Assert.Equal(3, observed.RestartCount);
        Assert.Null(observed.Error);
        Assert.Null(observed.ExitCode);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 20, 59, 59, TimeSpan.Zero), observed.CreatedAt);
    }

    [Theory]
    [InlineData("created", ContainerState.Created)]
    [InlineData("running", ContainerState.Running)]
    [InlineData("restarting", ContainerState.Restarting)]
    [InlineData("paused", ContainerState.Paused)]
    [InlineData("exited", ContainerState.Exited)]
    [InlineData("dead", ContainerState.Dead)]
    [InlineData("removing", ContainerState.Removing)]
    public void Maps_every_docker_state(string status, ContainerState expected)
    {
        Assert.Equal(expected, ObservedContainerMapper.MapState(status));
    }

    [Theory]
    [InlineData("starting", ContainerHealth.Starting)]
    [InlineData("healthy", ContainerHealth.Healthy)]
    [InlineData("unhealthy", ContainerHealth.Unhealthy)]
    [InlineData(null, ContainerHealth.None)]
    [InlineData("", ContainerHealth.None)]
    public void Maps_health(string? status, ContainerHealth expected)
    {
        Assert.Equal(expected, ObservedContainerMapper.MapHealth(status));
    }

    [Fact]
    public void A_container_that_never_started_has_no_start_time()
    {
        var observed = ObservedContainerMapper.Map(Inspection(new State { Status = "created", StartedAt = "0001-01-01T00:00:00Z" }));

        Assert.Null(observed!.StartedAt);
        Assert.Equal(ContainerState.Created, observed.State);
    }

    [Fact]
    public void Explains_why_a_container_stopped()
    {
        Assert.Equal(
            "exited with code 3",
            ObservedContainerMapper.Map(Inspection(new State { Status = "exited", ExitCode = 3 }))!.Error);
        Assert.Contains(
            "out of memory",
            ObservedContainerMapper.Map(Inspection(new State { Status = "exited", ExitCode = 137, OOMKilled = true }))!.Error);
        Assert.Equal(
            "OCI runtime create failed",
            ObservedContainerMapper.Map(Inspection(new State { Status = "created", Error = "OCI runtime create failed" }))!.Error);
        Assert.Null(ObservedContainerMapper.Map(Inspection(new State { Status = "exited", ExitCode = 0 }))!.Error);
    }

    [Fact]
    public void Reports_the_exit_code_only_of_a_container_that_is_not_running()
    {
        Assert.Equal(0, ObservedContainerMapper.Map(Inspection(new State { Status = "exited", ExitCode = 0 }))!.ExitCode);
        Assert.Equal(137, ObservedContainerMapper.Map(Inspection(new State { Status = "dead", ExitCode = 137 }))!.ExitCode);
        Assert.Null(ObservedContainerMapper.Map(Inspection(new State { Status = "running", Running = true }))!.ExitCode);
    }

    [Fact]
    public void A_container_docker_is_restarting_reports_how_its_last_run_ended_and_how_long_it_lasted()
    {
        var observed = ObservedContainerMapper.Map(Inspection(new State
        {
            Status = "restarting",
            Restarting = true,
            ExitCode = 1,
            StartedAt = "2026-11-25T21:00:01Z",
            FinishedAt = "2026-11-25T21:00:01.25Z",
        }))!;

        Assert.Equal(1, observed.ExitCode);
        Assert.Equal(TimeSpan.FromMilliseconds(250), observed.FinishedAt - observed.StartedAt);
    }

    [Fact]
    public void A_container_without_an_owner_is_not_reported()
    {
        var labels = new Dictionary<string, string> { [ZpmLabels.Managed] = "true", [ZpmLabels.Name] = "web" };

        Assert.Null(ObservedContainerMapper.Map(Inspection(new State { Status = "running" }, labels)));
    }

    [Fact]
    public void A_bad_replica_label_is_reported_as_replica_minus_one_with_the_reason()
    {
        var labels = new Dictionary<string, string>
        {
            [ZpmLabels.Kind] = "ServiceSpec",
            [ZpmLabels.Tenant] = "acme",
            [ZpmLabels.Name] = "web",
            [ZpmLabels.Replica] = "first",
        };

        var observed = ObservedContainerMapper.Map(Inspection(new State { Status = "running" }, labels));

        Assert.Equal(-1, observed!.Replica);
        Assert.Contains("first", observed.Error);
        Assert.Equal(string.Empty, observed.SpecHash);
    }

    [Fact]
    public void Reads_the_operators_probe_from_its_label_and_the_address_it_probes()
    {
        var probe = OperatorProbe.For(new HealthCheckSpec { Tcp = new TcpProbe(5432), IntervalSeconds = 5 })!;
        var inspection = Inspection(new State { Status = "running", Running = true });
        inspection.Config!.Labels![ZpmLabels.Probe] = probe.ToLabel();
        inspection.NetworkSettings = new NetworkSettings
        {
            Networks = new Dictionary<string, EndpointSettings>
            {
                ["zpm-tenant-acme"] = new() { IPAddress = "10.200.3.4" },
                ["v6only"] = new() { GlobalIPv6Address = "fd00::4" },
                ["none"] = new(),
            },
        };

        var observed = ObservedContainerMapper.Map(inspection)!;

        Assert.Equal(probe, observed.Probe);
        Assert.Equal(
            new Dictionary<string, string> { ["zpm-tenant-acme"] = "10.200.3.4", ["v6only"] = "fd00::4" },
            ObservedContainerMapper.Addresses(inspection.NetworkSettings));
        // The first network by name, so the address probed stays the same from one observation to the next.
        Assert.Equal("fd00::4", observed.ProbeAddress);
    }

    [Fact]
    public void A_probe_label_it_cannot_read_leaves_the_container_unprobed()
    {
        var inspection = Inspection(new State { Status = "running", Running = true });
        inspection.Config!.Labels![ZpmLabels.Probe] = "wget http://x";

        Assert.Null(ObservedContainerMapper.Map(inspection)!.Probe);
    }
}
