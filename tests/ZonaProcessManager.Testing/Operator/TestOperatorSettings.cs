using ZonaProcessManager.Domain.Integrations;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Testing.Operator;

/// <summary>
/// The settings an in-process operator of a test starts from: one test database, one tenant, and timings short
/// enough that a test waits seconds, not the production defaults' minutes. Tests add what they need with `with`.
/// </summary>
public static class TestOperatorSettings
{
    public static OperatorSettings For(MongoTestTarget target, TestDatabase database, string tenant) => new()
    {
        MongoConnectionString = target.ConnectionString,
        Database = database.Name,
        Tenants = new HashSet<string> { tenant },
        // Each test its own slice of integration ports, so parallel runs on one Docker host rarely meet.
        IntegrationPorts = PortSlice(),
        DockerStopGrace = TimeSpan.FromSeconds(1),
        ProgressRequeueInterval = TimeSpan.FromMilliseconds(300),
        LoopRetryInitial = TimeSpan.FromMilliseconds(200),
        LoopRetryMax = TimeSpan.FromSeconds(2),
    };

    private static PortRange PortSlice()
    {
        var first = 30000 + (Random.Shared.Next(0, 250) * 100);
        return new PortRange(first, first + 99);
    }
}
