using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Operator.Tests.Fakes;

/// <summary>
/// An election the test decides: no leadership until <see cref="Grant"/>, lost at <see cref="RevokeAsync"/>; it counts
/// how often the gate asked for leadership and which terms it released.
/// </summary>
public sealed class TestLeaderElection : ILeaderElection
{
    private readonly Lock _gate = new();
    private readonly List<long> _released = [];
    private TaskCompletionSource<LeadershipTerm> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource? _current;
    private long _generation;
    private int _acquisitions;

    /// <summary>How many times the gate has asked for leadership.</summary>
    public int Acquisitions => Volatile.Read(ref _acquisitions);

    /// <summary>The generations of the terms the gate released, in order.</summary>
    public IReadOnlyList<long> Released
    {
        get
        {
            lock (_gate)
            {
                return [.. _released];
            }
        }
    }

    /// <summary>Makes this instance the leader (a new term); does nothing while it already leads.</summary>
    public void Grant()
    {
        lock (_gate)
        {
            if (_next.Task.IsCompleted)
            {
                return;
            }

            _current = new CancellationTokenSource();
            _next.SetResult(new LeadershipTerm("test-instance", ++_generation, _current.Token));
        }
    }

    /// <summary>Ends the current term, as an expired or taken-over lease would; the next acquisition waits for a grant.</summary>
    public async Task RevokeAsync()
    {
        CancellationTokenSource? lost;
        lock (_gate)
        {
            lost = _current;
            _current = null;
            if (_next.Task.IsCompleted)
            {
                _next = new TaskCompletionSource<LeadershipTerm>(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        if (lost is not null)
        {
            await lost.CancelAsync();
        }
    }

    public Task<LeadershipTerm> AcquireAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _acquisitions);
        lock (_gate)
        {
            return _next.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Whether runtime actions are allowed under a term; tests set it false to see them refused.</summary>
    public bool Confirmed { get; set; } = true;

    public bool IsConfirmed(LeadershipTerm term) => Confirmed;

    public Task ReleaseAsync(LeadershipTerm term, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _released.Add(term.Generation);
        }

        return Task.CompletedTask;
    }
}
