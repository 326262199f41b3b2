using CsCheck;
using MongoDB.Bson;
using ZonaProcessManager.Mongo.Mapping;
using ZonaProcessManager.Testing.Documents;

namespace ZonaProcessManager.Mongo.Tests.Mapping;

/// <summary>
/// The readers are the operator's only view of a document that bypassed the validators: whatever it holds, reading
/// it must not throw, and a refusal must say why, since that text becomes the resource's status message.
/// </summary>
public class MalformedDocumentReadingTests
{
    [Fact]
    public void A_malformed_service_document_is_read_without_throwing_and_a_refusal_names_the_problem()
    {
        var mapper = new ServiceDocumentMapper();
        MalformedServiceSpecs.Mutations.Sample(mutations =>
        {
            var read = mapper.Read(MalformedServiceSpecs.Build("corpus", "bad", mutations));
            return read.Spec is not null || !string.IsNullOrWhiteSpace(read.InvalidReason);
        }, iter: 3000, print: m => string.Join(", ", m));
    }

    [Fact]
    public void The_integration_and_tenant_readers_never_throw_on_the_same_documents()
    {
        MalformedServiceSpecs.Mutations.Sample(mutations =>
        {
            var document = MalformedServiceSpecs.Build("corpus", "bad", mutations);
            var integration = IntegrationDocumentMapper.ReadIntegration(document);
            var tenant = IntegrationDocumentMapper.ReadTenant(document);
            var definition = IntegrationDocumentMapper.ReadDefinition(document);
            // A ServiceSpec stripped of spec and kind is a well-formed Tenant: what counts is that nothing throws and a
            // refusal says why.
            return (integration.Integration is not null || !string.IsNullOrWhiteSpace(integration.InvalidReason))
                && (tenant.Tenant is not null || !string.IsNullOrWhiteSpace(tenant.InvalidReason))
                && (definition.Definition is not null || !string.IsNullOrWhiteSpace(definition.InvalidReason));
        }, iter: 3000, print: m => string.Join(", ", m));
    }

    [Fact]
    public void A_billion_replicas_is_refused_by_the_reader_with_the_limit()
    {
        var document = MalformedServiceSpecs.Valid("corpus", "huge");
        document["spec"]["replicas"] = 1e9;

        var read = new ServiceDocumentMapper().Read(document);

        Assert.Null(read.Spec);
        Assert.Contains("spec.replicas must be between 0 and 1000 (got 1000000000)", read.InvalidReason);
    }
}
