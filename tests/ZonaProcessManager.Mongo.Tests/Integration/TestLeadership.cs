using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Mongo.Tests.Integration;

/// <summary>A leadership the test sets: the term this store writes under, and whether the store confirmed it.</summary>
public sealed class TestLeadership : ILeadershipContext
{
    /// <summary>Leads the term of <paramref name="generation"/>, confirmed.</summary>
    public static TestLeadership Of(long generation) => new() { Current = new LeadershipTerm($"test-holder-{generation}", generation, CancellationToken.None) };

    public LeadershipTerm? Current { get; set; }

    /// <summary>Whether the store confirmed the term within the renew deadline; tests set it false to see writes refused.</summary>
    public bool Confirmed { get; set; } = true;

    public bool IsConfirmed => Current is not null && Confirmed;
}
