using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Web.Tests;

/// <summary>
/// One Docker environment and one Mongo target for the tests that run the operator in-process with its HTTP endpoints;
/// they run one after another, as the operator's own integration tests do, so two cores are not shared by rollouts.
/// </summary>
[CollectionDefinition(Name)]
public sealed class WebOperatorCollection : ICollectionFixture<DockerTestEnvironment>, ICollectionFixture<MongoTestTarget>
{
    public const string Name = "Operator HTTP (Docker + Mongo)";
}
