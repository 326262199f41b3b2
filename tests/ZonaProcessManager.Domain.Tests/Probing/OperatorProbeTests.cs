using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Probing;

namespace ZonaProcessManager.Domain.Tests.Probing;

public sealed class OperatorProbeTests
{
    [Fact]
    public void Exec_checks_and_no_check_are_not_the_operators_to_run()
    {
        Assert.Null(OperatorProbe.For(null));
        Assert.Null(OperatorProbe.For(new HealthCheckSpec { Exec = ["test", "-f", "/ready"] }));
    }

    [Fact]
    public void Zero_means_dockers_default_as_in_a_docker_health_check()
    {
        var probe = OperatorProbe.For(new HealthCheckSpec { Tcp = new TcpProbe(5432), IntervalSeconds = 0, TimeoutSeconds = 0, Retries = 0 })!;

        Assert.Equal(TimeSpan.FromSeconds(30), probe.Interval);
        Assert.Equal(TimeSpan.FromSeconds(30), probe.Timeout);
        Assert.Equal(3, probe.Retries);
        Assert.Equal(TimeSpan.Zero, probe.StartPeriod);
        Assert.Equal("TCP :5432", probe.Describe());
    }

    [Fact]
    public void A_path_without_a_leading_slash_gets_one()
    {
        var probe = OperatorProbe.For(new HealthCheckSpec { Http = new HttpProbe(8080, "healthz") })!;

        Assert.Equal("/healthz", probe.Http!.Path);
        Assert.Equal("HTTP GET :8080/healthz", probe.Describe());
    }

    [Fact]
    public void The_label_reads_back_as_the_same_probe()
    {
        var http = OperatorProbe.For(new HealthCheckSpec
        {
            Http = new HttpProbe(8080, "/a b?x=\"1\""),
            IntervalSeconds = 5,
            TimeoutSeconds = 2,
            Retries = 4,
            StartPeriodSeconds = 7,
        })!;
        var tcp = OperatorProbe.For(new HealthCheckSpec { Tcp = new TcpProbe(6379), IntervalSeconds = 1 })!;

        Assert.Equal(http, OperatorProbe.FromLabel(http.ToLabel(), out _));
        Assert.Equal(tcp, OperatorProbe.FromLabel(tcp.ToLabel(), out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("http:8080")]
    [InlineData("{\"kind\":\"exec\",\"port\":1,\"intervalMs\":1,\"timeoutMs\":1,\"retries\":1,\"startPeriodMs\":0}")]
    [InlineData("{\"kind\":\"tcp\",\"port\":0,\"intervalMs\":1,\"timeoutMs\":1,\"retries\":1,\"startPeriodMs\":0}")]
    [InlineData("{\"kind\":\"tcp\",\"port\":80,\"intervalMs\":0,\"timeoutMs\":1,\"retries\":1,\"startPeriodMs\":0}")]
    [InlineData("{\"kind\":\"tcp\",\"port\":80}")]
    public void A_label_that_is_not_a_probe_description_is_refused_with_a_reason(string label)
    {
        Assert.Null(OperatorProbe.FromLabel(label, out var problem));
        Assert.False(string.IsNullOrEmpty(problem));
    }
}
