using Microsoft.Extensions.DependencyInjection;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Operator.Tests.Fakes;

/// <summary>Every port a fake-port operator host requires, in one call; the fake store doubles as the event recorder.</summary>
internal static class FakePorts
{
    public static IServiceCollection AddFakePorts(
        this IServiceCollection services,
        FakeServiceStore store,
        IResourceWatcher watcher,
        IContainerRuntime runtime,
        IIntegrationStore? integrations = null,
        IHostPortProbe? hostPorts = null)
    {
        services.AddSingleton<IServiceStore>(store);
        services.AddSingleton<IEventRecorder>(store);
        services.AddSingleton(watcher);
        services.AddSingleton(runtime);
        services.AddSingleton(integrations ?? new FakeIntegrationStore(store));
        services.AddSingleton(hostPorts ?? new FakeHostPortProbe());
        return services;
    }
}
