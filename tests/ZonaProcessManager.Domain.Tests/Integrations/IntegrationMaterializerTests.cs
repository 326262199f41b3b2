using ZonaProcessManager.Domain.Hashing;
using ZonaProcessManager.Domain.Integrations;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Validation;

namespace ZonaProcessManager.Domain.Tests.Integrations;

public class IntegrationMaterializerTests
{
    private static readonly Tenant Acme = new() { Metadata = new ResourceMetadata { Name = "acme" } };

    private static readonly IntegrationDefinition[] Catalog =
    [
        new() { Metadata = new ResourceMetadata { Name = "splunk" }, Spec = ParameterResolverTests.Splunk },
    ];

    private static readonly Dictionary<string, int> Ports = new() { ["http"] = 21000 };

    private static IntegrationSpec Integration(string name = "splunk", int id = 7, bool enabled = true, Dictionary<string, string>? parameters = null) => new()
    {
        Metadata = new ResourceMetadata { Name = name, Tenant = "acme" },
        Spec = new IntegrationSpecBody
        {
            IntegrationId = id,
            Enabled = enabled,
            Parameters = parameters ?? new Dictionary<string, string> { ["url"] = "https://splunk", ["token"] = "s3cr3t" },
        },
    };

    private static MaterializeResult Materialize(IntegrationSpec integration, Tenant? tenant = null, IntegrationSpec[]? siblings = null,
        IReadOnlyDictionary<string, int>? ports = null) =>
        IntegrationMaterializer.Materialize(integration, "uid-1", tenant ?? Acme, Catalog, siblings ?? [integration], ports ?? Ports);

    [Fact]
    public void An_enabled_integration_becomes_a_valid_app_service_on_the_tenant_network_with_its_host_port()
    {
        var result = Materialize(Integration());

        Assert.Equal(MaterializeKind.Service, result.Kind);
        var service = result.Service!;
        Assert.Empty(ServiceSpecValidator.Validate(service));
        Assert.Equal(new ResourceKey(ServiceSpec.KindName, "acme", "splunk"), service.Key);
        Assert.Equal([new OwnerReference(IntegrationSpec.KindName, "splunk", "uid-1")], service.Metadata.OwnerReferences);
        Assert.Equal("IntegrationSpec/acme/splunk", result.ExtraLabels[ZpmLabels.Owner]);
        Assert.Equal([new PortSpec(8080, 21000)], service.Spec.Ports);
        Assert.Equal(["zpm-tenant-acme"], service.Spec.Networks);
        Assert.Equal(ServiceCategory.App, service.Spec.Category);
        Assert.Equal("s3cr3t", service.Spec.Env["SPLUNK_TOKEN"]);
        Assert.Equal(["SPLUNK_TOKEN"], result.SecretEnvNames);
        Assert.Equal([new AllocatedPort("http", 8080, 21000)], result.Ports);
    }

    [Fact]
    public void The_child_declares_its_secret_env_names_so_describe_can_mask_them_without_the_catalog()
    {
        var service = Materialize(Integration()).Service!;

        var secretNames = SecretRedactor.SecretEnvNames(service.Metadata);
        var shown = SecretRedactor.RedactSpec(service.Spec, secretNames);

        Assert.Equal(["SPLUNK_TOKEN"], secretNames);
        Assert.Equal("***", shown.Env["SPLUNK_TOKEN"]);
        Assert.Equal("https://splunk", shown.Env["SPLUNK_URL"]);
    }

    [Fact]
    public void A_bad_integration_name_is_reported()
    {
        var result = Materialize(Integration(name: "Splunk_1"));

        Assert.Equal(MaterializeKind.Invalid, result.Kind);
        Assert.Contains("metadata.name 'Splunk_1' is not a valid name", result.Message);
    }

    [Fact]
    public void A_suspended_tenant_materialises_suspended_services()
    {
        var suspended = Acme with { Spec = new TenantSpec { Suspended = true } };

        var result = Materialize(Integration(), suspended);

        Assert.True(result.Service!.Spec.Suspended);
    }

    [Fact]
    public void A_catalog_image_change_changes_the_child_hash_so_every_tenant_rolls()
    {
        var before = Materialize(Integration()).Service!;
        var newCatalog = new[] { Catalog[0] with { Spec = Catalog[0].Spec with { Image = "zpm/busybox:2" } } };

        var after = IntegrationMaterializer.Materialize(Integration(), "uid-1", Acme, newCatalog, [Integration()], Ports).Service!;

        Assert.NotEqual(SpecHasher.Hash(before.Spec), SpecHasher.Hash(after.Spec));
    }

    [Fact]
    public void A_disabled_integration_wants_no_service()
    {
        Assert.Equal(MaterializeKind.NotWanted, Materialize(Integration(enabled: false)).Kind);
    }

    [Fact]
    public void Every_reason_an_integration_cannot_run_is_given_at_once()
    {
        var result = Materialize(Integration(parameters: new Dictionary<string, string> { ["token"] = "s3cr3t" }), ports: new Dictionary<string, int>());

        Assert.Equal(MaterializeKind.Invalid, result.Kind);
        Assert.Null(result.Service);
        Assert.Equal("missing required parameter 'url'; port 'http' has no host port allocated", result.Message);
    }

    [Fact]
    public void Unknown_integration_and_missing_tenant_are_reported()
    {
        var result = IntegrationMaterializer.Materialize(Integration(id: 99), "uid", null, Catalog, [], Ports);

        Assert.Equal(MaterializeKind.Invalid, result.Kind);
        Assert.Equal(["tenant 'acme' does not exist", "unknown integration_id 99: not in the catalog"], result.Problems);
    }

    [Fact]
    public void Of_two_activations_of_one_integration_for_a_tenant_the_alphabetically_first_wins()
    {
        var first = Integration(name: "splunk-a");
        var second = Integration(name: "splunk-b");

        var winner = Materialize(first, siblings: [second, first]);
        var loser = Materialize(second, siblings: [second, first]);

        Assert.Equal(MaterializeKind.Service, winner.Kind);
        Assert.Equal(MaterializeKind.Invalid, loser.Kind);
        Assert.Equal("integration_id 7 is already active for tenant 'acme' as 'splunk-a'", loser.Message);
    }
}
