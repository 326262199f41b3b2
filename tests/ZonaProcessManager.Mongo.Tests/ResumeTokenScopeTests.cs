namespace ZonaProcessManager.Mongo.Tests;

public sealed class ResumeTokenScopeTests
{
    [Fact]
    public void An_unscoped_operator_keeps_its_position_under_all()
    {
        Assert.Equal("all", ResumeTokenStore.ScopeOf(null));
        Assert.Equal("watch/operator/all", ResumeTokenStore.DocumentId("operator", null));
    }

    [Fact]
    public void The_same_tenants_in_any_order_name_one_scope_and_other_tenants_another()
    {
        var acmeAndGlobex = ResumeTokenStore.ScopeOf(new HashSet<string> { "acme", "globex" });

        Assert.Equal(acmeAndGlobex, ResumeTokenStore.ScopeOf(new HashSet<string> { "globex", "acme" }));
        Assert.StartsWith("tenants-", acmeAndGlobex, StringComparison.Ordinal);
        Assert.Equal("tenants-".Length + 16, acmeAndGlobex.Length);
        Assert.NotEqual(acmeAndGlobex, ResumeTokenStore.ScopeOf(new HashSet<string> { "acme" }));
        Assert.NotEqual(ResumeTokenStore.ScopeOf(new HashSet<string>()), ResumeTokenStore.ScopeOf(null));
    }
}
