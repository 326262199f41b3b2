namespace ZonaProcessManager.Cli.Tests.EndToEnd.HighAvailability;

/// <summary>
/// The leader-election tests run real processes against lease periods of a few seconds: they run one after another
/// and apart from every other test, so a busy machine does not stretch a lease period into a timing lottery.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HighAvailabilityCollection
{
    public const string Name = "High availability (real zpm processes)";
}
