using ZonaProcessManager.Testing.Swarm;

namespace ZonaProcessManager.Docker.Tests.Swarm;

/// <summary>
/// The Swarm tests of this assembly share one lab and run one after another: some stop or drain nodes, which changes the
/// lab for every test running beside them.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SwarmLabCollection : ICollectionFixture<SwarmLabFixture>
{
    public const string Name = "Swarm lab (Docker adapter)";
}
