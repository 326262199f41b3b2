using Xunit;

namespace ZonaProcessManager.Testing.Swarm;

/// <summary>
/// The swarm lab as an xunit collection fixture: brought up (or repaired) once before the collection's first test.
/// Tests that stop or drain nodes change the lab for everyone on it, so the Swarm tests of one assembly share one
/// collection and run one after another, and the fixture holds a machine-wide lock from its start to its disposal so
/// the Swarm collections of different test assemblies (which `dotnet test` runs in parallel) take turns too. Each test
/// restores what it broke through <see cref="RestoreAsync"/>.
/// </summary>
public sealed class SwarmLabFixture : IAsyncLifetime
{
    /// <summary>Held by one test assembly's Swarm collection at a time (an exclusive lock on this file).</summary>
    public const string LockPath = "/run/zpmlab-tests.lock";

    private static readonly TimeSpan LockDeadline = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan LockPollInterval = TimeSpan.FromMilliseconds(500);

    private SwarmLab? _lab;
    private FileStream? _lock;

    public SwarmLab Lab => _lab ?? throw new InvalidOperationException("The swarm lab fixture has not been initialised.");

    public async Task InitializeAsync()
    {
        _lock = await AcquireLockAsync().ConfigureAwait(false);
        _lab = await SwarmLab.EnsureUpAsync().ConfigureAwait(false);
    }

    /// <summary>Repairs the lab after a test that broke it on purpose (stopped dockerd, drained node) and returns it afresh.</summary>
    public async Task<SwarmLab> RestoreAsync() => _lab = await SwarmLab.EnsureUpAsync().ConfigureAwait(false);

    public Task DisposeAsync()
    {
        _lock?.Dispose();
        _lock = null;
        return Task.CompletedTask;
    }

    private static async Task<FileStream> AcquireLockAsync()
    {
        var deadline = DateTime.UtcNow + LockDeadline;
        while (true)
        {
            try
            {
                // FileShare.None is an exclusive advisory lock on Unix: a second process gets IOException until it is released.
                return new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(LockPollInterval).ConfigureAwait(false);
            }
            catch (IOException busy)
            {
                throw new TimeoutException(
                    $"Another test assembly has held the swarm lab ({LockPath}) for {LockDeadline.TotalMinutes:0} minutes.", busy);
            }
        }
    }
}
