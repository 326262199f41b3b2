using MongoDB.Bson;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Mongo.Mapping;
using ZonaProcessManager.Mongo.Tests.Documents;

namespace ZonaProcessManager.Mongo.Tests.Mapping;

public sealed class IntegrationDocumentMapperTests
{
    private static readonly DateTimeOffset Time = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_catalog_entry_written_by_mongosh_is_read_with_all_its_fields()
    {
        var stored = IntegrationDocumentMapper.ReadDefinition(IntegrationDocuments.Definition());

        Assert.Null(stored.InvalidReason);
        Assert.Equal(IntegrationKeys.Definition("sentinel"), stored.Key);
        Assert.Equal("sentinel", stored.Uid);
        var spec = stored.Definition!.Spec;
        Assert.Equal(7, spec.IntegrationId);
        Assert.Equal("Sentinel connector", spec.Title);
        Assert.Equal("sentinel-connector", spec.Executable);
        Assert.Equal("zpm/busybox:latest", spec.Image);
        Assert.Equal(["httpd", "-f", "-p", "8080"], spec.Command);
        Assert.Equal([new IntegrationPort("http", 8080), new IntegrationPort("metrics", 9090)], spec.Ports);
        Assert.Equal(
            [
                new IntegrationParameter("apiUrl", "API_URL", Required: true),
                new IntegrationParameter("apiKey", "API_KEY", Required: true, Secret: true),
                new IntegrationParameter("pollSeconds", "POLL_SECONDS", Default: "30"),
            ],
            spec.Parameters);
        Assert.Equal(new HttpProbe(8080, "/"), spec.HealthCheck!.Http);
        Assert.Equal(new ResourceLimits(0.5, 64), spec.Resources);
    }

    public static TheoryData<string, Action<BsonDocument>, string> BadDefinitions() => new()
    {
        { "integration_id a string", document => document["spec"]["integration_id"] = "seven", "spec.integration_id must be an integer ≥ 0, got \"seven\"" },
        { "integration_id a fraction", document => document["spec"]["integration_id"] = 7.5, "spec.integration_id must be an integer ≥ 0, got 7.5" },
        { "no image", document => document["spec"].AsBsonDocument.Remove("image"), "spec.image is required" },
        { "no name", document => document["metadata"].AsBsonDocument.Remove("name"), "metadata.name is required" },
        { "port without a name", document => document["spec"]["ports"][0].AsBsonDocument.Remove("name"), "spec.ports[0].name is required" },
        { "two ports with one name", document => document["spec"]["ports"][1]["name"] = "http", "spec.ports[1].name \"http\" is used by an earlier port" },
        { "parameter without env", document => document["spec"]["parameters"][0].AsBsonDocument.Remove("env"), "spec.parameters[0].env is required" },
        { "default an object", document => document["spec"]["parameters"][2]["default"] = new BsonDocument("a", 1), "spec.parameters[2].default must be a string, number or true/false, got an object" },
        { "health check with two probes", document => document["spec"]["healthCheck"]["tcp"] = new BsonDocument("port", 1), "spec.healthCheck must set exactly one of http, tcp or exec, got 2" },
        { "unknown spec field", document => document["spec"]["colour"] = "red", "spec.colour is not a known field" },
        { "wrong kind", document => document["kind"] = "ServiceSpec", "kind must be \"IntegrationDefinition\", got \"ServiceSpec\"" },
    };

    [Theory]
    [MemberData(nameof(BadDefinitions))]
    public void A_bad_catalog_entry_gives_no_definition_and_a_reason_naming_the_field(string problem, Action<BsonDocument> breakIt, string expected)
    {
        var document = IntegrationDocuments.Definition();
        breakIt(document);

        var stored = IntegrationDocumentMapper.ReadDefinition(document);

        Assert.True(stored.Definition is null, problem);
        Assert.Contains(expected, stored.InvalidReason);
        Assert.Equal(IntegrationKeys.Definition(stored.Key.Name), stored.Key);
    }

    [Fact]
    public void A_tenant_is_keyed_by_its_code_and_carries_spec_status_and_deletion_request()
    {
        var document = IntegrationDocuments.Tenant(suspended: true);
        document["metadata"]["deletionRequested"] = true;
        document["status"] = IntegrationDocumentMapper.ToDocument(new TenantStatus
        {
            Phase = ResourcePhase.Degraded,
            Integrations = new IntegrationCounts(3, 2),
            Network = "zpm-tenant-acme",
            Message = "1 integration not running",
            Conditions = [new Condition("Ready", false, "NotAllRunning", "2/3", Time)],
            UpdatedAt = Time,
        });

        var stored = IntegrationDocumentMapper.ReadTenant(document);

        Assert.Null(stored.InvalidReason);
        Assert.Equal(IntegrationKeys.Tenant("acme"), stored.Key);
        Assert.Equal("acme", stored.Tenant!.Code);
        Assert.Equal("acme", stored.Tenant.Metadata.Tenant);
        Assert.Equal(new TenantSpec { DisplayName = "Acme Corp", Suspended = true }, stored.Tenant.Spec);
        Assert.True(stored.DeletionRequested);
        Assert.Equal(ResourcePhase.Degraded, stored.Status!.Phase);
        Assert.Equal(new IntegrationCounts(3, 2), stored.Status.Integrations);
        Assert.Equal("zpm-tenant-acme", stored.Status.Network);
        Assert.Equal([new Condition("Ready", false, "NotAllRunning", "2/3", Time)], stored.Status.Conditions);
        Assert.Equal(Time, stored.Status.UpdatedAt);
    }

    [Fact]
    public void A_tenant_without_spec_gets_the_defaults()
    {
        var document = IntegrationDocuments.Tenant();
        document.Remove("spec");

        var stored = IntegrationDocumentMapper.ReadTenant(document);

        Assert.Equal(new TenantSpec(), stored.Tenant!.Spec);
        Assert.False(stored.DeletionRequested);
        Assert.Null(stored.Status);
    }

    [Theory]
    [InlineData("ACME_corp", "metadata.name must be a DNS label")]
    [InlineData("acme\n", "metadata.name must be a DNS label")]
    [InlineData("", "metadata.name must be a non-empty string")]
    public void A_tenant_code_that_is_not_a_DNS_label_is_invalid(string code, string expected)
    {
        var document = IntegrationDocuments.Tenant();
        document["metadata"]["name"] = code;

        var stored = IntegrationDocumentMapper.ReadTenant(document);

        Assert.Null(stored.Tenant);
        Assert.Contains(expected, stored.InvalidReason);
    }

    [Fact]
    public void A_tenant_with_a_mistyped_suspended_flag_is_invalid_but_keeps_its_key()
    {
        var document = IntegrationDocuments.Tenant(id: ObjectId.GenerateNewId());
        document["spec"]["suspended"] = "yes";

        var stored = IntegrationDocumentMapper.ReadTenant(document);

        Assert.Null(stored.Tenant);
        Assert.Equal("spec.suspended must be true or false, got \"yes\"", stored.InvalidReason);
        Assert.Equal(IntegrationKeys.Tenant("acme"), stored.Key);
    }

    [Fact]
    public void An_integration_gets_defaults_and_turns_number_and_boolean_parameters_into_text()
    {
        var document = IntegrationDocuments.Integration();
        var parameters = document["spec"]["parameters"].AsBsonDocument;
        parameters["port"] = 8080.0;
        parameters["ratio"] = 0.25;
        parameters["verbose"] = true;
        parameters["count"] = 3;
        document["metadata"]["ownerReferences"] = new BsonArray { new BsonDocument { ["kind"] = "Tenant", ["name"] = "acme", ["uid"] = "acme" } };

        var stored = IntegrationDocumentMapper.ReadIntegration(document);

        Assert.Null(stored.InvalidReason);
        Assert.Equal(IntegrationKeys.Integration("acme", "sentinel"), stored.Key);
        var spec = stored.Integration!.Spec;
        Assert.Equal(7, spec.IntegrationId);
        Assert.True(spec.Enabled);
        Assert.Equal(1, spec.Replicas);
        Assert.Equal("8080", spec.Parameters["port"]);
        Assert.Equal("0.25", spec.Parameters["ratio"]);
        Assert.Equal("true", spec.Parameters["verbose"]);
        Assert.Equal("3", spec.Parameters["count"]);
        Assert.Equal("s3cret", spec.Parameters["apiKey"]);
        Assert.Equal([new OwnerReference("Tenant", "acme", "acme")], stored.OwnerReferences);
    }

    public static TheoryData<string, Action<BsonDocument>, string> BadIntegrations() => new()
    {
        { "parameter value an object", document => document["spec"]["parameters"]["apiUrl"] = new BsonDocument("u", 1), "malformed parameters: spec.parameters.apiUrl must be a string, number or true/false, got an object" },
        { "parameter value an array", document => document["spec"]["parameters"]["apiUrl"] = new BsonArray { "a" }, "malformed parameters: spec.parameters.apiUrl must be a string, number or true/false, got an array" },
        { "parameters an array", document => document["spec"]["parameters"] = new BsonArray { "a=b" }, "malformed parameters: spec.parameters must be an object of name: value, got an array" },
        { "integration_id a string", document => document["spec"]["integration_id"] = "7", "spec.integration_id must be an integer ≥ 0, got \"7\"" },
        { "no integration_id", document => document["spec"].AsBsonDocument.Remove("integration_id"), "spec.integration_id is required" },
        { "no tenant", document => document["metadata"].AsBsonDocument.Remove("tenant"), "metadata.tenant is required" },
        { "negative replicas", document => document["spec"]["replicas"] = -1, "spec.replicas must be an integer ≥ 0, got -1" },
        { "enabled a string", document => document["spec"]["enabled"] = "no", "spec.enabled must be true or false, got \"no\"" },
    };

    [Theory]
    [MemberData(nameof(BadIntegrations))]
    public void A_bad_integration_gives_no_spec_and_a_reason_naming_the_field(string problem, Action<BsonDocument> breakIt, string expected)
    {
        var document = IntegrationDocuments.Integration();
        breakIt(document);

        var stored = IntegrationDocumentMapper.ReadIntegration(document);

        Assert.True(stored.Integration is null, problem);
        Assert.Contains(expected, stored.InvalidReason);
    }

    [Fact]
    public void A_bad_integration_still_reports_its_owner_so_it_can_be_garbage_collected()
    {
        var document = IntegrationDocuments.Integration();
        document["spec"]["parameters"] = "oops";
        document["metadata"]["ownerReferences"] = new BsonArray { new BsonDocument { ["kind"] = "Tenant", ["name"] = "acme", ["uid"] = "acme" } };

        var stored = IntegrationDocumentMapper.ReadIntegration(document);

        Assert.Null(stored.Integration);
        Assert.Equal([new OwnerReference("Tenant", "acme", "acme")], stored.OwnerReferences);
    }

    [Fact]
    public void Integration_status_round_trips_with_the_contract_spelling()
    {
        var status = new IntegrationStatus
        {
            Phase = ResourcePhase.Running,
            Service = "sentinel",
            Ports = [new AllocatedPort("http", 8080, 20001), new AllocatedPort("metrics", 9090, 20002)],
            Message = "1/1 ready",
            Conditions = [new Condition("Ready", true, "AllHealthy", "ok", Time)],
            UpdatedAt = Time,
        };

        var document = IntegrationDocumentMapper.ToDocument(status);
        var read = IntegrationDocumentMapper.TryReadIntegrationStatus(document)!;

        Assert.Equal("Running", document["phase"].AsString);
        Assert.Equal("True", document["conditions"][0]["status"].AsString);
        Assert.Equal(new BsonDocument { ["name"] = "http", ["container"] = 8080, ["host"] = 20001 }, document["ports"][0]);
        Assert.Equal(status.Ports, read.Ports);
        Assert.Equal(status.Conditions, read.Conditions);
        Assert.Equal(status with { Ports = read.Ports, Conditions = read.Conditions }, read);
    }

    [Theory]
    [InlineData("Pending", ResourcePhase.Pending)]
    [InlineData("Creating", ResourcePhase.Creating)]
    [InlineData("Running", ResourcePhase.Running)]
    [InlineData("Degraded", ResourcePhase.Degraded)]
    [InlineData("Removed", ResourcePhase.Removed)]
    public void Phases_are_written_exactly_as_the_contract_spells_them(string spelling, ResourcePhase phase)
    {
        Assert.Equal(spelling, IntegrationDocumentMapper.ToDocument(new TenantStatus { Phase = phase })["phase"].AsString);
        Assert.Equal(spelling, IntegrationDocumentMapper.ToDocument(new IntegrationStatus { Phase = phase })["phase"].AsString);
    }

    [Fact]
    public void A_port_allocation_document_has_the_owner_id_and_reads_back()
    {
        var allocation = new PortAllocation("acme", "sentinel", "http", 20001);

        var document = IntegrationDocumentMapper.ToDocument(allocation, Time);

        Assert.Equal("acme/sentinel/http", document["_id"].AsString);
        Assert.Equal(Time.UtcDateTime, document["allocatedAt"].ToUniversalTime());
        Assert.Equal(allocation, IntegrationDocumentMapper.ReadPortAllocation(document));
    }

    [Fact]
    public void A_port_allocation_without_a_usable_port_is_skipped_but_one_without_an_owner_still_counts()
    {
        var noPort = IntegrationDocuments.Allocation("acme", "sentinel", "http", 20001);
        noPort["port"] = "20001";
        var noOwner = new BsonDocument { ["port"] = 20002.0 };

        Assert.Null(IntegrationDocumentMapper.ReadPortAllocation(noPort));
        Assert.Equal(new PortAllocation("", "", "", 20002), IntegrationDocumentMapper.ReadPortAllocation(noOwner));
    }
}

public sealed class IntegrationDocumentWriterTests
{
    internal static IntegrationDefinition Definition() => new()
    {
        Metadata = new ResourceMetadata { Name = "sentinel" },
        Spec = new IntegrationDefinitionSpec
        {
            IntegrationId = 7,
            Title = "Sentinel",
            Executable = "sentinel-connector",
            Image = "zpm/busybox:latest",
            Command = ["httpd", "-f"],
            Ports = [new IntegrationPort("http", 8080)],
            Parameters = [new IntegrationParameter("apiKey", "API_KEY", Required: true, Secret: true), new IntegrationParameter("poll", "POLL", Default: "30")],
            HealthCheck = new HealthCheckSpec { Tcp = new TcpProbe(8080) },
            Resources = new ResourceLimits(null, 32),
        },
    };

    [Fact]
    public void A_written_catalog_entry_reads_back_the_same()
    {
        var original = Definition();

        var document = IntegrationDocumentMapper.ToDocument(original);
        var read = IntegrationDocumentMapper.ReadDefinition(document);

        Assert.Equal("sentinel", document["_id"].AsString);
        Assert.Null(read.InvalidReason);
        var spec = read.Definition!.Spec;
        Assert.Equal(original.Spec.IntegrationId, spec.IntegrationId);
        Assert.Equal(original.Spec.Command, spec.Command);
        Assert.Equal(original.Spec.Ports, spec.Ports);
        Assert.Equal(original.Spec.Parameters, spec.Parameters);
        Assert.Equal(original.Spec.HealthCheck!.Tcp, spec.HealthCheck!.Tcp);
        Assert.Equal(original.Spec.Resources, spec.Resources);
    }

    [Fact]
    public void A_written_tenant_and_integration_read_back_the_same()
    {
        var tenant = new Tenant { Metadata = new ResourceMetadata { Name = "acme" }, Spec = new TenantSpec { DisplayName = "Acme", Suspended = true } };
        var integration = new IntegrationSpec
        {
            Metadata = new ResourceMetadata { Name = "sentinel", Tenant = "acme", OwnerReferences = [new OwnerReference("Tenant", "acme", "acme")] },
            Spec = new IntegrationSpecBody { IntegrationId = 7, Enabled = false, Replicas = 2, Parameters = new Dictionary<string, string> { ["apiKey"] = "k" } },
        };

        var readTenant = IntegrationDocumentMapper.ReadTenant(IntegrationDocumentMapper.ToDocument(tenant));
        var readIntegration = IntegrationDocumentMapper.ReadIntegration(IntegrationDocumentMapper.ToDocument(integration));

        Assert.Equal("acme", IntegrationDocumentMapper.ToDocument(tenant)["_id"].AsString);
        Assert.Equal("acme/sentinel", IntegrationDocumentMapper.ToDocument(integration)["_id"].AsString);
        Assert.Equal(tenant.Spec, readTenant.Tenant!.Spec);
        Assert.Equal(IntegrationKeys.Tenant("acme"), readTenant.Key);
        var spec = readIntegration.Integration!.Spec;
        Assert.Equal((7, false, 2), (spec.IntegrationId, spec.Enabled, spec.Replicas));
        Assert.Equal(integration.Spec.Parameters, spec.Parameters);
        Assert.Equal(integration.Metadata.OwnerReferences, readIntegration.OwnerReferences);
    }
}
