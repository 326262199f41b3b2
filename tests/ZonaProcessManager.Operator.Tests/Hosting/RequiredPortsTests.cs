using Microsoft.Extensions.DependencyInjection;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Operator.Tests.Fakes;

namespace ZonaProcessManager.Operator.Tests.Hosting;

/// <summary>The operator has no adapters of its own: a host whose caller forgot a port must not build.</summary>
public sealed class RequiredPortsTests
{
    [Fact]
    public void A_host_without_a_port_fails_at_build_naming_it()
    {
        var store = new FakeServiceStore();
        var builder = OperatorApp.CreateBuilder(new OperatorSettings(), services =>
        {
            services.AddSingleton<IServiceStore>(store);
            services.AddSingleton<IEventRecorder>(store);
            services.AddSingleton<IIntegrationStore>(new FakeIntegrationStore(store));
            services.AddSingleton<IResourceWatcher>(new FakeResourceWatcher());
            services.AddSingleton<IHostPortProbe>(new FakeHostPortProbe());
        });

        var error = Assert.Throws<InvalidOperationException>(() => builder.Build());

        Assert.StartsWith("The operator host has no IContainerRuntime registered.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_host_without_ports_names_every_missing_one()
    {
        var builder = OperatorApp.CreateBuilder(new OperatorSettings(), _ => { });

        var error = Assert.Throws<InvalidOperationException>(() => builder.Build());

        Assert.StartsWith(
            "The operator host has no IServiceStore, IIntegrationStore, IResourceWatcher, IContainerRuntime, IHostPortProbe, IEventRecorder registered.",
            error.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Ports_registered_on_the_builder_after_CreateBuilder_count()
    {
        var store = new FakeServiceStore();
        var builder = OperatorApp.CreateBuilder(new OperatorSettings(), _ => { });
        builder.Services.AddSingleton<IServiceStore>(store);
        builder.Services.AddSingleton<IEventRecorder>(store);
        builder.Services.AddSingleton<IIntegrationStore>(new FakeIntegrationStore(store));
        builder.Services.AddSingleton<IResourceWatcher>(new FakeResourceWatcher());
        builder.Services.AddSingleton<IContainerRuntime>(new FakeContainerRuntime(TimeProvider.System));
        builder.Services.AddSingleton<IHostPortProbe>(new FakeHostPortProbe());

        using var host = builder.Build();

        Assert.Same(store, host.Services.GetRequiredService<IServiceStore>());
    }
}
