using Xunit;

namespace ZonaProcessManager.Testing.Swarm;

/// <summary>
/// The swarm lab as an xunit collection fixture: brought up (or repaired) once before the collection's first test.
/// Tests that stop or drain nodes change the lab for everyone in it, so the Swarm tests share one collection and run
/// one after another; each restores what it broke through <see cref="SwarmLab.EnsureUpAsync"/>.
/// </summary>
public sealed class SwarmLabFixture : IAsyncLifetime
{
    private SwarmLab? _lab;

    public SwarmLab Lab => _lab ?? throw new InvalidOperationException("The swarm lab fixture has not been initialised.");

    public async Task InitializeAsync() => _lab = await SwarmLab.EnsureUpAsync().ConfigureAwait(false);

    /// <summary>Repairs the lab after a test that broke it on purpose (stopped dockerd, drained node) and returns it afresh.</summary>
    public async Task<SwarmLab> RestoreAsync() => _lab = await SwarmLab.EnsureUpAsync().ConfigureAwait(false);

    public Task DisposeAsync() => Task.CompletedTask;
}
