using ZonaProcessManager.Domain.Hashing;
using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Tests.Hashing;

public class SpecEquivalenceTests
{
    private static ServiceSpecBody Spec() => new()
    {
        Image = "zpm/busybox:latest",
        Env = new Dictionary<string, string> { ["A"] = "1", ["B"] = "2" },
        DependsOn = ["db", "cache"],
        Replicas = 2,
    };

    [Fact]
    public void Two_separately_built_specs_with_the_same_content_are_equivalent()
    {
        var reordered = Spec() with { Env = new Dictionary<string, string> { ["B"] = "2", ["A"] = "1" }, DependsOn = ["cache", "db"] };

        Assert.NotEqual(Spec(), reordered);
        Assert.True(SpecEquivalence.Equivalent(Spec(), reordered));
    }

    public static TheoryData<string, ServiceSpecBody> Edits() => new()
    {
        { "env", Spec() with { Env = new Dictionary<string, string> { ["A"] = "1", ["B"] = "3" } } },
        { "replicas", Spec() with { Replicas = 3 } },
        { "category", Spec() with { Category = ServiceCategory.Batch } },
        { "suspended", Spec() with { Suspended = true } },
        { "update", Spec() with { Update = new UpdateStrategy { Parallelism = 2 } } },
        { "dependsOn", Spec() with { DependsOn = ["db"] } },
        { "update monitor", Spec() with { Update = new UpdateStrategy { MonitorSeconds = 30 } } },
        { "update failureAction", Spec() with { Update = new UpdateStrategy { FailureAction = UpdateFailureAction.Pause } } },
        { "rollback", Spec() with { Rollback = new RollbackStrategy { FailureAction = UpdateFailureAction.Continue } } },
        { "placement added", Spec() with { Placement = new PlacementSpec { Constraints = ["node.role==worker"] } } },
        { "placement cap", Spec() with { Placement = new PlacementSpec { MaxReplicasPerNode = 1 } } },
        { "placement spread", Spec() with { Placement = new PlacementSpec { Preferences = [new PlacementPreference("node.labels.zone")] } } },
    };

    [Theory]
    [MemberData(nameof(Edits))]
    public void Any_edit_is_noticed(string field, ServiceSpecBody edited)
    {
        Assert.False(SpecEquivalence.Equivalent(Spec(), edited), $"{field} edit not noticed");
    }

    [Fact]
    public void Placements_read_from_two_documents_compare_by_what_they_ask_for()
    {
        var placed = Spec() with
        {
            Placement = new PlacementSpec
            {
                Constraints = ["node.role==worker", "node.labels.zone!=a"],
                Preferences = [new PlacementPreference("node.labels.zone"), new PlacementPreference("node.labels.rack")],
                MaxReplicasPerNode = 2,
            },
        };
        var sameRebuilt = Spec() with
        {
            Placement = new PlacementSpec
            {
                Constraints = ["node.labels.zone!=a", "node.role==worker"],
                Preferences = [new PlacementPreference("node.labels.zone"), new PlacementPreference("node.labels.rack")],
                MaxReplicasPerNode = 2,
            },
        };
        var spreadReordered = placed with
        {
            Placement = placed.Placement! with { Preferences = [.. placed.Placement.Preferences.Reverse()] },
        };

        Assert.True(SpecEquivalence.Equivalent(placed, sameRebuilt));
        Assert.False(SpecEquivalence.Equivalent(placed, spreadReordered), "the order of spread levels decides the placement");
        Assert.True(SpecEquivalence.Equivalent(Spec(), Spec() with { Placement = new PlacementSpec() }));
        Assert.True(SpecEquivalence.Equivalent(Spec(), Spec() with { Placement = new PlacementSpec { MaxReplicasPerNode = 0 } }));
    }

    [Fact]
    public void Null_is_only_equivalent_to_null()
    {
        Assert.True(SpecEquivalence.Equivalent(null, null));
        Assert.False(SpecEquivalence.Equivalent(Spec(), null));
    }
}
