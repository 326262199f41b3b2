using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Operator.Tests.Integration;

/// <summary>
/// One Docker environment and one Mongo target for all operator integration tests, which run one after another: the
/// machine has two cores, and parallel rollouts with health checks would turn deadlines into timing lotteries.
/// </summary>
[CollectionDefinition(Name)]
public sealed class OperatorIntegrationCollection : ICollectionFixture<DockerTestEnvironment>, ICollectionFixture<MongoTestTarget>
{
    public const string Name = "Operator integration (Docker + Mongo)";
}
