using ZonaProcessManager.Domain.Integrations;
using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Tests.Integrations;

public class IntegrationStatusMapperTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly Tenant Acme = new() { Metadata = new ResourceMetadata { Name = "acme" } };

    private static MaterializeResult Result(MaterializeKind kind, params string[] problems) =>
        new(kind, null, new Dictionary<string, string>(), [new AllocatedPort("http", 8080, 21000)], new HashSet<string>(), problems);

    [Fact]
    public void An_integration_mirrors_its_service_and_shows_its_ports()
    {
        var ready = new Condition("Ready", true, "AllReplicasReady", "1 of 1", Now);
        var child = new ServiceStatus { Phase = ResourcePhase.Running, Message = "1 of 1 replica(s) ready", Conditions = [ready] };

        var status = IntegrationStatusMapper.ForIntegration(Result(MaterializeKind.Service), "splunk", child, Now);

        Assert.Equal(ResourcePhase.Running, status.Phase);
        Assert.Equal("splunk", status.Service);
        Assert.Equal([new AllocatedPort("http", 8080, 21000)], status.Ports);
        Assert.Equal("1 of 1 replica(s) ready", status.Message);
        Assert.Equal([ready], status.Conditions);
    }

    [Fact]
    public void An_integration_that_cannot_run_is_degraded_with_its_reason()
    {
        var status = IntegrationStatusMapper.ForIntegration(Result(MaterializeKind.Invalid, "missing required parameter 'url'"), "splunk", null, Now);

        Assert.Equal(ResourcePhase.Degraded, status.Phase);
        Assert.Equal("missing required parameter 'url'", status.Message);
        Assert.Empty(status.Ports);
    }

    [Fact]
    public void A_disabled_integration_is_pending_and_says_so()
    {
        var status = IntegrationStatusMapper.ForIntegration(Result(MaterializeKind.NotWanted), "splunk", null, Now);

        Assert.Equal(ResourcePhase.Pending, status.Phase);
        Assert.Contains("Disabled", status.Message);
    }

    [Theory]
    [InlineData(new[] { ResourcePhase.Running, ResourcePhase.Running }, false, ResourcePhase.Running, 2)]
    [InlineData(new[] { ResourcePhase.Running, ResourcePhase.Creating }, false, ResourcePhase.Creating, 1)]
    [InlineData(new[] { ResourcePhase.Running, ResourcePhase.Degraded }, false, ResourcePhase.Degraded, 1)]
    [InlineData(new[] { ResourcePhase.Running }, true, ResourcePhase.Removed, 1)]
    [InlineData(new ResourcePhase[0], false, ResourcePhase.Running, 0)]
    public void A_tenant_sums_up_its_integrations(ResourcePhase[] phases, bool deleting, ResourcePhase expected, int running)
    {
        var integrations = phases.Select(p => (true, p)).Append((false, ResourcePhase.Degraded)).ToList();

        var status = IntegrationStatusMapper.ForTenant(Acme, integrations, deleting, Now);

        Assert.Equal(expected, status.Phase);
        Assert.Equal(new IntegrationCounts(phases.Length, running), status.Integrations);
        Assert.Equal("zpm-tenant-acme", status.Network);
    }

    [Theory]
    [InlineData("spec.enabled: expected a boolean", "Invalid IntegrationSpec: spec.enabled: expected a boolean")]
    [InlineData(null, "Invalid IntegrationSpec: the document cannot be read")]
    public void An_unreadable_integration_is_degraded_with_the_reason(string? reason, string message)
    {
        var status = IntegrationStatusMapper.ForUnreadableIntegration(reason, Now);

        Assert.Equal(ResourcePhase.Degraded, status.Phase);
        Assert.Equal(message, status.Message);
        Assert.Null(status.Service);
        Assert.Empty(status.Ports);
        Assert.Equal(Now, status.UpdatedAt);
    }

    [Theory]
    [InlineData("metadata.name: missing", "Invalid Tenant: metadata.name: missing")]
    [InlineData(null, "Invalid Tenant: the document cannot be read")]
    public void An_unreadable_tenant_is_degraded_with_the_reason(string? reason, string message)
    {
        var status = IntegrationStatusMapper.ForUnreadableTenant(reason, Now);

        Assert.Equal(ResourcePhase.Degraded, status.Phase);
        Assert.Equal(message, status.Message);
        Assert.Equal(Now, status.UpdatedAt);
    }
}
