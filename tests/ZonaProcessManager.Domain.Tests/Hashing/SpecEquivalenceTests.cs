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
    };

    [Theory]
    [MemberData(nameof(Edits))]
    public void Any_edit_is_noticed(string field, ServiceSpecBody edited)
    {
        Assert.False(SpecEquivalence.Equivalent(Spec(), edited), $"{field} edit not noticed");
    }

    [Fact]
    public void Null_is_only_equivalent_to_null()
    {
        Assert.True(SpecEquivalence.Equivalent(null, null));
        Assert.False(SpecEquivalence.Equivalent(Spec(), null));
    }
}
