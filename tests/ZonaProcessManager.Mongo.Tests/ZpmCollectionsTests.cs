using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Releases;

namespace ZonaProcessManager.Mongo.Tests;

/// <summary>The watcher watches the collections of exactly the kinds the operator registered.</summary>
public sealed class ZpmCollectionsTests
{
    [Fact]
    public void The_registered_kinds_map_to_their_collections()
    {
        var collections = ZpmCollections.ForKinds([ServiceSpec.KindName, Tenant.KindName]);

        Assert.Equal(
            new Dictionary<string, string> { [ZpmCollections.Services] = ServiceSpec.KindName, [ZpmCollections.Tenants] = Tenant.KindName },
            collections);
    }

    [Fact]
    public void Every_kind_the_operator_reconciles_has_a_collection()
    {
        var collections = ZpmCollections.ForKinds([ServiceSpec.KindName, IntegrationSpec.KindName, Tenant.KindName, IntegrationDefinition.KindName, Release.KindName]);

        Assert.Equal(ZpmCollections.ResourceKinds.OrderBy(c => c.Key, StringComparer.Ordinal), collections.OrderBy(c => c.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void A_kind_without_a_collection_is_an_error_naming_it()
    {
        var error = Assert.Throws<ArgumentException>(() => ZpmCollections.ForKinds([ServiceSpec.KindName, "Widget"]));

        Assert.Contains("Widget", error.Message, StringComparison.Ordinal);
    }
}
