using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Domain.Policy;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Mongo.Tests.Integration;

/// <summary>The services validator refuses host access the operator's isolation policy refuses, at insert time.</summary>
public sealed class IsolationSchemaTests(MongoTestTarget target, ITestOutputHelper output) : IClassFixture<MongoTestTarget>
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static BsonDocument WithVolume(BsonDocument volume)
    {
        var document = ServiceDocuments.Valid("web", tenant: "acme");
        volume["target"] = "/host";
        document["spec"]["volumes"] = new BsonArray { volume };
        return document;
    }

    private static BsonDocument Bind(string hostPath) => WithVolume(new BsonDocument("hostPath", hostPath));

    private static BsonDocument Named(BsonDocument driverOpts) => WithVolume(new BsonDocument { ["name"] = "data", ["driverOpts"] = driverOpts });

    public static TheoryData<string, BsonDocument> RefusedByDefault() => new()
    {
        { "host root", Bind("/") },
        { "docker socket", Bind("/var/run/docker.sock") },
        { "any host path", Bind("/srv/data") },
        { "bind through driver options", Named(new BsonDocument { ["type"] = "none", ["o"] = "bind", ["device"] = "/" }) },
        { "host block device", Named(new BsonDocument { ["type"] = "ext4", ["device"] = "/dev/sda1" }) },
        { "rbind without device", Named(new BsonDocument { ["o"] = "ro,rbind" }) },
        { "host IP all interfaces", WithPort("0.0.0.0") },
        { "docker host network", WithNetwork("host") },
        { "docker default bridge", WithNetwork("bridge") },
    };

    [Theory]
    [MemberData(nameof(RefusedByDefault))]
    public async Task The_default_validator_refuses_host_access(string problem, BsonDocument document)
    {
        await using var database = target.CreateDatabase(output);
        await new SchemaInstaller(database.Database).InstallAsync(None);

        var refused = await Assert.ThrowsAsync<MongoWriteException>(() => database.Collection<BsonDocument>("services").InsertOneAsync(document));

        output.WriteLine($"{problem}: {refused.WriteError.Message}");
        Assert.Equal(121, refused.WriteError.Code);
    }

    [Fact]
    public async Task The_default_validator_still_accepts_network_volumes_loopback_ports_and_own_networks()
    {
        await using var database = target.CreateDatabase(output);
        await new SchemaInstaller(database.Database).InstallAsync(None);
        var services = database.Collection<BsonDocument>("services");
        var nfs = Named(new BsonDocument { ["type"] = "nfs", ["o"] = "addr=10.0.0.1,rw", ["device"] = ":/export" });
        nfs["spec"]["networks"] = new BsonArray { "zpm-tenant-acme", "backend" };
        nfs["spec"]["ports"][0]["hostIp"] = "127.0.0.1";

        await services.InsertOneAsync(nfs);

        Assert.Equal(1, await services.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Theory]
    [InlineData("/srv/data", true)]
    [InlineData("/srv/data/tenant-a/logs", true)]
    [InlineData("/var/lib/app", true)]
    [InlineData("/srv/data/../../etc", false)]
    [InlineData("/srv/data/./x", false)]
    [InlineData("/srv/database", false)]
    [InlineData("srv/data", false)]
    [InlineData("/var", false)]
    [InlineData("/var/run/docker.sock", false)]
    [InlineData("/var//run", false)]
    [InlineData("/var/lib/docker/volumes", false)]
    public async Task An_installed_allow_list_admits_exactly_what_the_operator_admits(string hostPath, bool allowed)
    {
        var policy = IsolationPolicy.Create(["/srv/data", "/var"], ["10.0.0.5"]);
        await using var database = target.CreateDatabase(output);
        await new SchemaInstaller(database.Database, isolation: policy).InstallAsync(None);
        var services = database.Collection<BsonDocument>("services");
        var operatorAllows = policy.CheckHostPath(hostPath) is null;

        var insert = () => services.InsertOneAsync(Bind(hostPath));

        Assert.Equal(allowed, operatorAllows);
        if (allowed)
        {
            await insert();
            await services.InsertOneAsync(WithPort("10.0.0.5").Also(d => d["_id"] = "acme/other", d => d["metadata"]["name"] = "other"));
        }
        else
        {
            Assert.Equal(121, (await Assert.ThrowsAsync<MongoWriteException>(insert)).WriteError.Code);
        }
    }

    [Fact]
    public void The_schema_file_is_the_default_policys_schema()
    {
        var file = SchemaInstaller.LoadSchema("schemas/servicespec.schema.json");

        Assert.Equal(file, IsolationSchema.Apply(file, IsolationPolicy.Default));
    }

    private static BsonDocument WithPort(string hostIp)
    {
        var document = ServiceDocuments.Valid("web", tenant: "acme");
        document["spec"]["ports"][0]["hostIp"] = hostIp;
        return document;
    }

    private static BsonDocument WithNetwork(string network)
    {
        var document = ServiceDocuments.Valid("web", tenant: "acme");
        document["spec"]["networks"] = new BsonArray { network };
        return document;
    }
}

internal static class BsonDocumentChanges
{
    public static BsonDocument Also(this BsonDocument document, params Action<BsonDocument>[] changes)
    {
        foreach (var change in changes)
        {
            change(document);
        }

        return document;
    }
}
