using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Web.Tests.Dashboard;

/// <summary>
/// One Docker environment and one Mongo target for the dashboard tests, which run one after another: each drives a
/// real operator and a real browser, and two cores cannot run several of those side by side without turning deadlines
/// into lotteries.
/// </summary>
[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DockerTestEnvironment>, ICollectionFixture<MongoTestTarget>
{
    public const string Name = "Dashboard (Docker + Mongo + browser)";
}
