using MongoDB.Bson;
using ZonaProcessManager.Cli.Diff;

namespace ZonaProcessManager.Cli.Tests.Diff;

public sealed class DiffSecretsTests
{
    [Fact]
    public void A_service_env_is_secret_when_either_side_names_it_in_zpm_secret_env()
    {
        var stored = BsonDocument.Parse("""{ metadata: { annotations: { "zpm.secret-env": "API_KEY, TOKEN" } }, spec: { env: {} } }""");
        var desired = BsonDocument.Parse("""{ metadata: { annotations: {} }, spec: { env: { PASSWORD: "x" } } }""");
        var desiredNaming = BsonDocument.Parse("""{ metadata: { annotations: { "zpm.secret-env": "PASSWORD" } } }""");

        Assert.Equal(["spec.env.API_KEY", "spec.env.TOKEN"], DiffSecrets.ForService(stored, desired).Order());
        Assert.Equal(["spec.env.API_KEY", "spec.env.PASSWORD", "spec.env.TOKEN"], DiffSecrets.ForService(stored, desiredNaming).Order());
    }

    [Fact]
    public void Integration_parameters_are_secret_as_their_catalog_entry_says_and_all_are_without_one()
    {
        var integration = BsonDocument.Parse("""{ spec: { integration_id: 7, parameters: { api_url: "u", api_key: "k" } } }""");
        var catalog = BsonDocument.Parse("""{ spec: { integration_id: 7, parameters: [{ name: "api_url" }, { name: "api_key", secret: true }] } }""");
        var otherEntry = BsonDocument.Parse("""{ spec: { integration_id: 8, parameters: [] } }""");

        Assert.Equal(["spec.parameters.api_key"], DiffSecrets.ForIntegration(null, integration, [catalog, otherEntry]));
        Assert.Equal(["spec.parameters.api_key", "spec.parameters.api_url"], DiffSecrets.ForIntegration(null, integration, [otherEntry]).Order());
    }

    [Fact]
    public void A_catalog_default_is_secret_at_an_index_either_side_marks_secret()
    {
        var stored = BsonDocument.Parse("""{ spec: { parameters: [{ name: "a", secret: true, default: "s" }] } }""");
        var desired = BsonDocument.Parse("""{ spec: { parameters: [{ name: "a", default: "s" }, { name: "b", secret: true }] } }""");

        Assert.Equal(["spec.parameters[0].default", "spec.parameters[1].default"], DiffSecrets.ForDefinition(stored, desired).Order());
    }
}
