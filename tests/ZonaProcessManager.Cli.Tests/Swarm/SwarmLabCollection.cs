using ZonaProcessManager.Testing.Swarm;

namespace ZonaProcessManager.Cli.Tests.Swarm;

/// <summary>
/// Every test on the swarm lab belongs here: they share one lab, and some stop or drain its nodes, so they run one
/// after another (xunit runs the tests of one collection serially).
/// </summary>
[CollectionDefinition(Name)]
public sealed class SwarmLabCollection : ICollectionFixture<SwarmLabFixture>
{
    public const string Name = "swarm lab";
}
