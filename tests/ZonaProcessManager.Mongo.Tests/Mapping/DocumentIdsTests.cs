using MongoDB.Bson;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Mongo.Mapping;
using ZonaProcessManager.Mongo.Tests.Documents;

namespace ZonaProcessManager.Mongo.Tests.Mapping;

public sealed class DocumentIdsTests
{
    [Fact]
    public void Keys_of_the_catalog_tenant_and_integration_kinds_have_the_IntegrationKeys_shapes()
    {
        var catalogWithStrayTenant = IntegrationDocuments.Definition();
        catalogWithStrayTenant["metadata"]["tenant"] = "acme";

        Assert.Equal(IntegrationKeys.Tenant("acme"), DocumentIds.KeyOf(Tenant.KindName, IntegrationDocuments.Tenant()));
        Assert.Equal(IntegrationKeys.Definition("sentinel"), DocumentIds.KeyOf(IntegrationDefinition.KindName, catalogWithStrayTenant));
        Assert.Equal(IntegrationKeys.Integration("acme", "sentinel"), DocumentIds.KeyOf(IntegrationSpec.KindName, IntegrationDocuments.Integration()));
    }

    [Fact]
    public void A_tenant_or_catalog_document_without_a_name_is_keyed_by_its_id()
    {
        var tenant = IntegrationDocuments.Tenant();
        tenant["metadata"].AsBsonDocument.Remove("name");
        var definition = IntegrationDocuments.Definition(id: ObjectId.Parse("6745a1b2c3d4e5f601234567"));
        definition.Remove("metadata");

        Assert.Equal(IntegrationKeys.Tenant("acme"), DocumentIds.KeyOf(Tenant.KindName, tenant));
        Assert.Equal(IntegrationKeys.Definition("6745a1b2c3d4e5f601234567"), DocumentIds.KeyOf(IntegrationDefinition.KindName, definition));
    }

    [Fact]
    public void Zpm_written_ids_are_the_bare_name_for_tenants_and_catalog_and_tenant_slash_name_otherwise()
    {
        Assert.Equal("acme", DocumentIds.IdFor(IntegrationKeys.Tenant("acme")));
        Assert.Equal("sentinel", DocumentIds.IdFor(IntegrationKeys.Definition("sentinel")));
        Assert.Equal("acme/sentinel", DocumentIds.IdFor(IntegrationKeys.Integration("acme", "sentinel")));
        Assert.Equal("acme/sentinel", DocumentIds.IdFor(IntegrationKeys.ChildService(IntegrationKeys.Integration("acme", "sentinel"))));
    }

    [Fact]
    public void An_id_names_its_resource_only_in_the_shape_of_its_kind()
    {
        Assert.True(DocumentIds.TryKeyFromId(Tenant.KindName, "acme", out var tenant));
        Assert.Equal(IntegrationKeys.Tenant("acme"), tenant);
        Assert.True(DocumentIds.TryKeyFromId(IntegrationDefinition.KindName, "sentinel", out var definition));
        Assert.Equal(IntegrationKeys.Definition("sentinel"), definition);
        Assert.True(DocumentIds.TryKeyFromId(IntegrationSpec.KindName, "acme/sentinel", out var integration));
        Assert.Equal(IntegrationKeys.Integration("acme", "sentinel"), integration);

        Assert.False(DocumentIds.TryKeyFromId(Tenant.KindName, "acme/x", out _));
        Assert.False(DocumentIds.TryKeyFromId(IntegrationSpec.KindName, "acme", out _));
        Assert.False(DocumentIds.TryKeyFromId(Tenant.KindName, ObjectId.GenerateNewId(), out _));
        Assert.False(DocumentIds.TryKeyFromId(ServiceSpec.KindName, "web", out _));
    }
}
