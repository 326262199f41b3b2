using System.Text.Json;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Cli.Tests;

/// <summary>The multi-tenant verbs (apply of the catalog, tenant and integration kinds, tenant, get, describe integration, port/ports) against the Mongo test target.</summary>
public sealed class IntegrationCommandTests(MongoTestTarget target, ITestOutputHelper output) : IClassFixture<MongoTestTarget>
{
    private const string Catalog = """
        apiVersion: zpm/v1
        kind: IntegrationDefinition
        metadata: { name: siem }
        spec:
          integration_id: 101
          title: SIEM forwarder
          image: zpm/busybox:latest
          ports: [{ name: http, container: 8080 }, { name: admin, container: 9090 }]
          parameters:
            - { name: url, env: SIEM_URL, required: true }
            - { name: key, env: SIEM_KEY, required: true, secret: true }
            - { name: poll, env: SIEM_POLL, default: "60" }
        ---
        apiVersion: zpm/v1
        kind: IntegrationDefinition
        metadata: { name: edr }
        spec:
          integration_id: 102
          image: zpm/busybox:latest
          ports: [{ name: api, container: 8080 }]
          parameters:
            - { name: region, env: EDR_REGION, default: eu }
            - { name: token, env: EDR_TOKEN, secret: true, default: builtin-token }
        """;

    private async Task<CliResult> ZpmAsync(TestDatabase database, params string[] args)
    {
        var result = await CliRunner.RunAsync([.. args, "--mongo", target.ConnectionString, "--database", database.Name]);
        output.WriteLine($"$ zpm {string.Join(' ', args)} → {result.ExitCode}\n{result.Output}{result.Error}");
        return result;
    }

    private async Task ApplyCatalogAsync(TestDatabase database)
    {
        using var files = new ManifestFiles();
        var applied = await ZpmAsync(database, "apply", "-f", files.Write("catalog.yaml", Catalog));
        Assert.Equal(0, applied.ExitCode);
    }

    private static async Task<BsonDocument?> FindAsync(TestDatabase database, string collection, BsonValue id) =>
        await database.Collection<BsonDocument>(collection).Find(new BsonDocument("_id", id)).FirstOrDefaultAsync();

    private static async Task<long> CountAsync(TestDatabase database, string collection) =>
        await database.Collection<BsonDocument>(collection).CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty);

    [Fact]
    public async Task Apply_upserts_catalog_tenants_and_integrations_with_contract_ids_and_never_touches_status()
    {
        await using var database = target.CreateDatabase(output);
        using var files = new ManifestFiles();
        files.Write("a-catalog.yaml", Catalog);
        files.Write("b-tenant.yaml", """
            apiVersion: zpm/v1
            kind: Tenant
            metadata: { name: acme }
            spec: { displayName: ACME Corp }
            ---
            apiVersion: zpm/v1
            kind: IntegrationSpec
            metadata: { name: siem, tenant: acme }
            spec: { integration_id: 101, parameters: { url: "https://siem", key: s3cret, poll: 30 } }
            """);

        var first = await ZpmAsync(database, "apply", "-f", files.Directory);
        await database.Collection<BsonDocument>("integrations").UpdateOneAsync(
            new BsonDocument("_id", "acme/siem"), new BsonDocument("$set", new BsonDocument("status", new BsonDocument("phase", "Running"))));
        var second = await ZpmAsync(database, "apply", "-f", files.Directory);

        Assert.Equal(0, first.ExitCode);
        Assert.Contains("integrationdefinition/siem created", first.Output);
        Assert.Contains("integrationdefinition/edr created", first.Output);
        Assert.Contains("tenant/acme created", first.Output);
        Assert.Contains("integrationspec/acme/siem created", first.Output);
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("integrationspec/acme/siem unchanged", second.Output);
        Assert.Contains("tenant/acme unchanged", second.Output);
        Assert.NotNull(await FindAsync(database, "catalog", "siem"));
        Assert.Equal("ACME Corp", (await FindAsync(database, "tenants", "acme"))!["spec"]["displayName"].AsString);
        var integration = (await FindAsync(database, "integrations", "acme/siem"))!;
        Assert.Equal("acme", integration["metadata"]["tenant"].AsString);
        Assert.Equal("30", integration["spec"]["parameters"]["poll"].AsString);
        Assert.Equal("Running", integration["status"]["phase"].AsString);
    }

    [Fact]
    public async Task Apply_updates_a_document_mongosh_inserted_with_an_ObjectId_in_place()
    {
        await using var database = target.CreateDatabase(output);
        var objectId = ObjectId.GenerateNewId();
        await database.Collection<BsonDocument>("tenants").InsertOneAsync(new BsonDocument
        {
            ["_id"] = objectId,
            ["kind"] = "Tenant",
            ["metadata"] = new BsonDocument("name", "acme"),
            ["spec"] = new BsonDocument("displayName", "old"),
        });
        using var files = new ManifestFiles();

        var result = await ZpmAsync(database, "apply", "-f", files.Write("t.yaml", "kind: Tenant\nmetadata: { name: acme }\nspec: { displayName: new, suspended: true }\n"));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("tenant/acme configured", result.Output);
        Assert.Equal(1, await CountAsync(database, "tenants"));
        var stored = (await FindAsync(database, "tenants", objectId))!;
        Assert.Equal("new", stored["spec"]["displayName"].AsString);
        Assert.True(stored["spec"]["suspended"].AsBoolean);
    }

    [Fact]
    public async Task Apply_names_each_bad_document_and_still_applies_the_good_ones()
    {
        await using var database = target.CreateDatabase(output);
        using var files = new ManifestFiles();
        var path = files.Write("mixed.yaml", """
            kind: Gadget
            metadata: { name: thing }
            ---
            kind: IntegrationSpec
            metadata: { name: siem }
            spec: { parameters: { url: x } }
            ---
            kind: IntegrationDefinition
            metadata: { name: broken }
            spec: { integration_id: 7, ports: [{ container: 80 }], parameters: [{ name: a }] }
            ---
            kind: Tenant
            metadata: { name: good }
            """);

        var result = await ZpmAsync(database, "apply", "-f", path);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"error: {path}#0: thing: kind must be one of", result.Error);
        Assert.Contains("got \"Gadget\"", result.Error);
        Assert.Contains($"error: {path}#1: IntegrationSpec siem: metadata.tenant is required", result.Error);
        Assert.Contains("spec.integration_id is required", result.Error);
        Assert.Contains($"error: {path}#2: IntegrationDefinition broken:", result.Error);
        Assert.Contains("spec.image is required", result.Error);
        Assert.Contains("spec.ports[0].name is required", result.Error);
        Assert.Contains("spec.parameters[0].env is required", result.Error);
        Assert.Contains("tenant/good created", result.Output);
        Assert.Equal(1, await CountAsync(database, "tenants"));
        Assert.Equal(0, await CountAsync(database, "integrations"));
        Assert.Equal(0, await CountAsync(database, "catalog"));
    }

    [Fact]
    public async Task Onboard_creates_the_tenant_and_one_integration_per_catalog_entry_by_id_or_name()
    {
        await using var database = target.CreateDatabase(output);
        await ApplyCatalogAsync(database);

        var result = await ZpmAsync(database, "tenant", "onboard", "acme", "--display-name", "ACME",
            "--integration", "101", "--integration", "edr",
            "--param", "url=https://siem", "--param", "siem.key=s3cret", "--param", "region=us");
        var again = await ZpmAsync(database, "tenant", "onboard", "acme", "-i", "siem", "-p", "poll=5");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("tenant/acme created", result.Output);
        Assert.Contains("integrationspec/acme/siem created", result.Output);
        Assert.Contains("integrationspec/acme/edr created", result.Output);
        var tenant = (await FindAsync(database, "tenants", "acme"))!;
        Assert.Equal("ACME", tenant["spec"]["displayName"].AsString);
        Assert.False(tenant["spec"]["suspended"].AsBoolean);
        var siem = (await FindAsync(database, "integrations", "acme/siem"))!;
        Assert.Equal(101, siem["spec"]["integration_id"].AsInt32);
        Assert.True(siem["spec"]["enabled"].AsBoolean);
        Assert.Equal(1, siem["spec"]["replicas"].AsInt32);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("integrationspec/acme/siem configured", again.Output);
        siem = (await FindAsync(database, "integrations", "acme/siem"))!;
        Assert.Equal(
            new Dictionary<string, string> { ["url"] = "https://siem", ["key"] = "s3cret", ["poll"] = "5" },
            siem["spec"]["parameters"].AsBsonDocument.ToDictionary(element => element.Name, element => element.Value.AsString));
        var edr = (await FindAsync(database, "integrations", "acme/edr"))!;
        Assert.Equal(new BsonDocument("region", "us"), edr["spec"]["parameters"]);
    }

    [Theory]
    [InlineData("--integration", "999", "integration \"999\" is not in the catalog (known: siem (101), edr (102))")]
    [InlineData("--integration", "nope", "integration \"nope\" is not in the catalog")]
    [InlineData("--param", "colour=red", "no given integration (siem, edr) has a parameter \"colour\"")]
    [InlineData("--param", "other.url=x", "\"other\" is not one of the --integration values given")]
    [InlineData("--param", "novalue", "must look like name=value")]
    public async Task Onboard_with_a_bad_integration_or_parameter_is_a_clear_error_and_writes_nothing(string option, string value, string message)
    {
        await using var database = target.CreateDatabase(output);
        await ApplyCatalogAsync(database);

        var result = await ZpmAsync(database, "tenant", "onboard", "acme", "-i", "siem", "-i", "edr",
            "-p", "url=u", "-p", "key=k", option, value);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(message, result.Error);
        Assert.Contains("nothing written for tenant acme", result.Error);
        Assert.Equal(0, await CountAsync(database, "tenants"));
        Assert.Equal(0, await CountAsync(database, "integrations"));
    }

    [Fact]
    public async Task Onboard_refuses_a_tenant_code_with_a_trailing_newline_and_writes_nothing()
    {
        await using var database = target.CreateDatabase(output);
        await ApplyCatalogAsync(database);

        var result = await ZpmAsync(database, "tenant", "onboard", "acme\n", "-i", "edr");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("tenant code must be a DNS label", result.Error);
        Assert.Equal(0, await CountAsync(database, "tenants"));
        Assert.Equal(0, await CountAsync(database, "integrations"));
    }

    [Fact]
    public async Task Apply_refuses_names_and_tenants_with_a_trailing_newline_and_writes_nothing()
    {
        await using var database = target.CreateDatabase(output);
        await ApplyCatalogAsync(database);
        using var files = new ManifestFiles();
        var path = files.Write("newlines.yaml", """
            kind: Tenant
            metadata: { name: "acme\n" }
            ---
            kind: IntegrationSpec
            metadata: { name: "edr\n", tenant: acme }
            spec: { integration_id: 102 }
            ---
            kind: IntegrationSpec
            metadata: { name: edr, tenant: "acme\n" }
            spec: { integration_id: 102 }
            ---
            kind: ServiceSpec
            metadata: { name: "web\n" }
            spec: { image: "zpm/busybox:latest" }
            """);

        var result = await ZpmAsync(database, "apply", "-f", path);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"error: {path}#0:", result.Error);
        Assert.Contains($"error: {path}#1:", result.Error);
        Assert.Contains($"error: {path}#2:", result.Error);
        Assert.Contains($"error: {path}#3:", result.Error);
        Assert.Contains("metadata.name must be a DNS label", result.Error);
        Assert.Contains("metadata.tenant must be a DNS label", result.Error);
        Assert.Equal(0, await CountAsync(database, "tenants"));
        Assert.Equal(0, await CountAsync(database, "integrations"));
        Assert.Equal(0, await CountAsync(database, "services"));
    }

    [Fact]
    public async Task Onboard_without_a_required_parameter_names_it_and_writes_nothing()
    {
        await using var database = target.CreateDatabase(output);
        await ApplyCatalogAsync(database);

        var result = await ZpmAsync(database, "tenant", "onboard", "acme", "-i", "siem", "-p", "url=u");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("integration siem needs parameter \"key\"", result.Error);
        Assert.Equal(0, await CountAsync(database, "tenants"));
    }

    [Fact]
    public async Task Suspend_and_resume_set_spec_suspended_and_offboard_requests_deletion()
    {
        await using var database = target.CreateDatabase(output);
        await ApplyCatalogAsync(database);
        await ZpmAsync(database, "tenant", "onboard", "acme", "-i", "edr");

        var suspend = await ZpmAsync(database, "tenant", "suspend", "acme");
        var suspended = (await FindAsync(database, "tenants", "acme"))!["spec"]["suspended"].AsBoolean;
        var resume = await ZpmAsync(database, "tenant", "resume", "acme");
        var resumed = (await FindAsync(database, "tenants", "acme"))!["spec"]["suspended"].AsBoolean;
        var offboard = await ZpmAsync(database, "tenant", "offboard", "acme");
        var tenant = (await FindAsync(database, "tenants", "acme"))!;
        var onboardWhileLeaving = await ZpmAsync(database, "tenant", "onboard", "acme", "-i", "edr");
        var missing = await ZpmAsync(database, "tenant", "suspend", "nobody");

        Assert.Equal(0, suspend.ExitCode);
        Assert.Contains("tenant/acme suspended", suspend.Output);
        Assert.True(suspended);
        Assert.Equal(0, resume.ExitCode);
        Assert.False(resumed);
        Assert.Equal(0, offboard.ExitCode);
        Assert.Contains("tenant/acme offboarding requested", offboard.Output);
        Assert.True(tenant["metadata"]["deletionRequested"].AsBoolean);
        Assert.Equal(1, onboardWhileLeaving.ExitCode);
        Assert.Contains("is being offboarded", onboardWhileLeaving.Error);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("tenant nobody not found", missing.Error);
    }

    [Fact]
    public async Task Offboard_wait_prints_progress_and_returns_once_the_tenant_document_is_gone()
    {
        await using var database = target.CreateDatabase(output);
        await ApplyCatalogAsync(database);
        await ZpmAsync(database, "tenant", "onboard", "acme", "-i", "edr");
        var tenants = database.Collection<BsonDocument>("tenants");

        var waiting = ZpmAsync(database, "tenant", "offboard", "acme", "--wait", "--timeout", "60");
        // Stand-in for the operator: once deletion is requested, remove the integration, then the tenant.
        await Eventually.TrueAsync(
            async () => (await FindAsync(database, "tenants", "acme"))?["metadata"].AsBsonDocument.Contains("deletionRequested") == true,
            TimeSpan.FromSeconds(20),
            "deletionRequested on the tenant");
        await database.Collection<BsonDocument>("integrations").DeleteManyAsync(FilterDefinition<BsonDocument>.Empty);
        await tenants.DeleteOneAsync(new BsonDocument("_id", "acme"));
        var result = await waiting;

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("tenant/acme phase -:", result.Output);
        Assert.EndsWith("tenant/acme offboarded", result.Output.TrimEnd());
    }

    [Fact]
    public async Task Get_integrations_masks_secret_parameters_in_table_json_and_yaml_and_all_of_them_without_a_catalog_entry()
    {
        await using var database = target.CreateDatabase(output);
        await ApplyCatalogAsync(database);
        await ZpmAsync(database, "tenant", "onboard", "acme", "-i", "siem", "-i", "edr", "-p", "url=https://siem", "-p", "key=TOPSECRET", "-p", "token=EDRSECRET");
        await ZpmAsync(database, "tenant", "onboard", "globex", "-i", "edr");
        using var files = new ManifestFiles();
        await ZpmAsync(database, "apply", "-f", files.Write("orphan.yaml",
            "kind: IntegrationSpec\nmetadata: { name: gone, tenant: globex }\nspec: { integration_id: 555, parameters: { password: ORPHANSECRET } }\n"));

        var table = await ZpmAsync(database, "get", "integrations", "-o", "wide");
        var json = await ZpmAsync(database, "get", "integrations", "-t", "acme", "-o", "json");
        var yaml = await ZpmAsync(database, "get", "integrations", "-o", "yaml");

        foreach (var result in new[] { table, json, yaml })
        {
            Assert.Equal(0, result.ExitCode);
            Assert.DoesNotContain("TOPSECRET", result.Output);
            Assert.DoesNotContain("EDRSECRET", result.Output);
            Assert.Contains("***", result.Output);
            Assert.DoesNotContain("ORPHANSECRET", result.Output);
        }

        Assert.Matches(@"acme\s+.*siem\s+.*101\s+.*yes.*key=\*\*\*", table.Output);
        Assert.Contains("globex", table.Output);
        var parsed = JsonDocument.Parse(json.Output).RootElement;
        Assert.Equal(["edr", "siem"], parsed.EnumerateArray().Select(item => item.GetProperty("metadata").GetProperty("name").GetString()).Order());
        var siem = parsed.EnumerateArray().Single(item => item.GetProperty("metadata").GetProperty("name").GetString() == "siem");
        Assert.Equal("***", siem.GetProperty("spec").GetProperty("parameters").GetProperty("key").GetString());
        Assert.Equal("https://siem", siem.GetProperty("spec").GetProperty("parameters").GetProperty("url").GetString());
        Assert.Contains("key: '***'", yaml.Output);
    }

    [Fact]
    public async Task Get_catalog_and_tenants_list_what_is_stored_with_secret_defaults_masked()
    {
        await using var database = target.CreateDatabase(output);
        await ApplyCatalogAsync(database);
        await ZpmAsync(database, "tenant", "onboard", "acme", "--display-name", "ACME Corp", "-i", "edr");
        await database.Collection<BsonDocument>("tenants").UpdateOneAsync(
            new BsonDocument("_id", "acme"),
            new BsonDocument("$set", new BsonDocument("status", new BsonDocument
            {
                ["phase"] = "Running",
                ["integrations"] = new BsonDocument { ["desired"] = 1, ["running"] = 1 },
                ["network"] = "zpm-tenant-acme",
            })));

        var catalog = await ZpmAsync(database, "get", "catalog", "-o", "wide");
        var catalogJson = await ZpmAsync(database, "get", "catalog", "-o", "json");
        var tenants = await ZpmAsync(database, "get", "tenants", "-o", "wide");
        var empty = await ZpmAsync(database, "get", "integrations", "-t", "nobody");

        Assert.Equal(0, catalog.ExitCode);
        Assert.Matches(@"101\s+.*siem\s+.*SIEM forwarder\s+.*zpm/busybox:latest\s+.*http:8080,admin:9090\s+.*url\*,key\*\(secret\),poll=60", catalog.Output);
        Assert.Contains("token(secret)=***", catalog.Output);
        Assert.DoesNotContain("builtin-token", catalog.Output + catalogJson.Output);
        Assert.Matches(@"acme\s+.*ACME Corp\s+.*Running\s+.*1/1\s+.*no\s+.*zpm-tenant-acme", tenants.Output);
        Assert.Equal("", empty.Output);
        Assert.Contains("No integrations found.", empty.Error);
    }

    [Fact]
    public async Task Describe_integration_masks_secrets_and_shows_status_ports_child_service_and_events()
    {
        await using var database = target.CreateDatabase(output);
        await ApplyCatalogAsync(database);
        await ZpmAsync(database, "tenant", "onboard", "acme", "-i", "siem", "-p", "url=https://siem", "-p", "key=TOPSECRET");
        var now = DateTime.UtcNow;
        await database.Collection<BsonDocument>("integrations").UpdateOneAsync(
            new BsonDocument("_id", "acme/siem"),
            new BsonDocument("$set", new BsonDocument("status", new BsonDocument
            {
                ["phase"] = "Degraded",
                ["service"] = "siem",
                ["message"] = "1/1 unhealthy",
                ["ports"] = new BsonArray { new BsonDocument { ["name"] = "http", ["container"] = 8080, ["host"] = 20007 } },
                ["conditions"] = new BsonArray { new BsonDocument { ["type"] = "Ready", ["status"] = false, ["reason"] = "ServiceDegraded", ["message"] = "child degraded", ["lastTransitionTime"] = now } },
            })));
        await database.Collection<BsonDocument>("services").InsertOneAsync(ChildService("acme", "siem", "TOPSECRET", "Degraded"));
        await database.Collection<BsonDocument>("events").InsertOneAsync(new BsonDocument
        {
            ["resource"] = new BsonDocument { ["kind"] = "ServiceSpec", ["tenant"] = "acme", ["name"] = "siem" },
            ["type"] = "Warning",
            ["reason"] = "ReplicaUnhealthy",
            ["message"] = "replica 0 failed its health check",
            ["time"] = now,
        });

        var result = await ZpmAsync(database, "describe", "integration", "siem", "-t", "acme");
        var missing = await ZpmAsync(database, "describe", "integration", "nope", "-t", "acme");

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("TOPSECRET", result.Output);
        Assert.Contains("key: '***'", result.Output);
        Assert.Contains("url: https://siem", result.Output);
        Assert.Contains("101 siem — SIEM forwarder (zpm/busybox:latest)", result.Output);
        Assert.Contains("Degraded", result.Output);
        Assert.Contains("1/1 unhealthy", result.Output);
        Assert.Matches(@"http\s+8080\s+20007", result.Output);
        Assert.Contains("acme/siem phase Degraded", result.Output);
        Assert.Matches(@"Ready\s+False\s+ServiceDegraded\s+child degraded\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ", result.Output);
        Assert.Contains("replica 0 failed its health check", result.Output);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("integration acme/nope not found", missing.Error);
    }

    [Fact]
    public async Task Describe_service_and_get_services_mask_the_env_vars_the_secret_env_annotation_names()
    {
        await using var database = target.CreateDatabase(output);
        await database.Collection<BsonDocument>("services").InsertOneAsync(ChildService("acme", "siem", "TOPSECRET", "Running"));

        var describe = await ZpmAsync(database, "describe", "service", "siem", "-t", "acme");
        var json = await ZpmAsync(database, "get", "services", "-o", "json");
        var yaml = await ZpmAsync(database, "get", "services", "-o", "yaml");

        foreach (var result in new[] { describe, json, yaml })
        {
            Assert.Equal(0, result.ExitCode);
            Assert.DoesNotContain("TOPSECRET", result.Output);
            Assert.Contains("https://siem", result.Output);
        }

        Assert.Contains("SIEM_KEY: '***'", describe.Output);
        Assert.Contains("\"SIEM_KEY\" : \"***\"", json.Output);
    }

    [Fact]
    public async Task Port_prints_the_allocated_host_port_and_ports_lists_all_allocations()
    {
        await using var database = target.CreateDatabase(output);
        await ApplyCatalogAsync(database);
        await ZpmAsync(database, "tenant", "onboard", "acme", "-i", "siem", "-i", "edr", "-p", "url=u", "-p", "key=k");
        await ZpmAsync(database, "tenant", "onboard", "globex", "-i", "edr");
        await database.Collection<BsonDocument>("port_allocations").InsertManyAsync(
        [
            Allocation("acme", "siem", "http", 20001),
            Allocation("acme", "siem", "admin", 20002),
            Allocation("globex", "edr", "api", 20003),
        ]);

        var byId = await ZpmAsync(database, "port", "acme", "101");
        var named = await ZpmAsync(database, "port", "acme", "siem", "admin");
        var other = await ZpmAsync(database, "port", "globex", "102");
        var notAllocated = await ZpmAsync(database, "port", "acme", "102");
        var notActivated = await ZpmAsync(database, "port", "globex", "101");
        var all = await ZpmAsync(database, "ports");
        var acme = await ZpmAsync(database, "ports", "-t", "acme");

        Assert.Equal((0, "20001"), (byId.ExitCode, byId.Output.Trim()));
        Assert.Equal((0, "20002"), (named.ExitCode, named.Output.Trim()));
        Assert.Equal((0, "20003"), (other.ExitCode, other.Output.Trim()));
        Assert.Equal(1, notAllocated.ExitCode);
        Assert.Equal("", notAllocated.Output);
        Assert.Contains("no host port allocated to acme/edr port api", notAllocated.Error);
        Assert.Equal(1, notActivated.ExitCode);
        Assert.Contains("tenant globex has no integration 101", notActivated.Error);
        Assert.Matches(@"acme\s+.*siem\s+.*admin\s+.*20002", all.Output);
        Assert.Matches(@"globex\s+.*edr\s+.*api\s+.*20003", all.Output);
        Assert.DoesNotContain("globex", acme.Output);
        Assert.Contains("20001", acme.Output);
    }

    private static BsonDocument Allocation(string tenant, string integration, string portName, int port) => new()
    {
        ["_id"] = $"{tenant}/{integration}/{portName}",
        ["tenant"] = tenant,
        ["integration"] = integration,
        ["portName"] = portName,
        ["port"] = port,
        ["allocatedAt"] = DateTime.UtcNow,
    };

    /// <summary>A child ServiceSpec as the operator writes it: owner reference and the zpm.secret-env annotation.</summary>
    private static BsonDocument ChildService(string tenant, string name, string secret, string phase) => new()
    {
        ["_id"] = $"{tenant}/{name}",
        ["apiVersion"] = "zpm/v1",
        ["kind"] = "ServiceSpec",
        ["metadata"] = new BsonDocument
        {
            ["name"] = name,
            ["tenant"] = tenant,
            ["annotations"] = new BsonDocument("zpm.secret-env", "SIEM_KEY"),
            ["ownerReferences"] = new BsonArray { new BsonDocument { ["kind"] = "IntegrationSpec", ["name"] = name, ["uid"] = $"{tenant}/{name}" } },
        },
        ["spec"] = new BsonDocument
        {
            ["image"] = "zpm/busybox:latest",
            ["env"] = new BsonDocument { ["SIEM_URL"] = "https://siem", ["SIEM_KEY"] = secret },
        },
        ["status"] = new BsonDocument { ["phase"] = phase, ["replicas"] = new BsonDocument { ["desired"] = 1, ["ready"] = 0 } },
    };
}
