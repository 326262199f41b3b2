using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Validation;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Mongo.Tests.Integration;

/// <summary>
/// spec.update, spec.rollback and spec.placement through the installed validator, written with the driver as mongosh
/// writes them (plain numbers as doubles): what Swarm cannot run is refused at insert time, naming the field.
/// </summary>
public sealed class PlacementSchemaTests(MongoTestTarget target, ITestOutputHelper output) : IClassFixture<MongoTestTarget>
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static BsonDocument With(string field, BsonValue value, string name = "web")
    {
        var document = ServiceDocuments.Valid(name, tenant: "acme");
        document["spec"][field] = value;
        return document;
    }

    private static BsonDocument Constraint(string constraint, string name = "web") =>
        With("placement", new BsonDocument("constraints", new BsonArray { constraint }), name);

    [Fact]
    public async Task A_spec_with_every_rollout_and_placement_field_is_accepted()
    {
        await using var database = target.CreateDatabase(output);
        await new SchemaInstaller(database.Database).InstallAsync(None);
        var document = ServiceDocuments.Valid("web", tenant: "acme");
        document["spec"]["update"] = BsonDocument.Parse("{ order: 'start-first', parallelism: 2.0, delaySeconds: 5.0, monitorSeconds: 30.0, failureAction: 'rollback' }");
        document["spec"]["rollback"] = BsonDocument.Parse("{ order: 'stop-first', parallelism: 1.0, delaySeconds: 0.0, monitorSeconds: 5.0, failureAction: 'pause' }");
        document["spec"]["placement"] = BsonDocument.Parse(
            "{ constraints: ['node.role==worker', 'node.labels.zone != a', 'node.hostname==x'], preferences: [ { spread: 'node.labels.zone' } ], maxReplicasPerNode: 2.0 }");

        await database.Collection<BsonDocument>("services").InsertOneAsync(document);

        Assert.Equal(1, await database.Collection<BsonDocument>("services").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    public static TheoryData<string, BsonDocument, string> Refused() => new()
    {
        { "constraint without an operator", Constraint("node.role=worker"), "constraints" },
        { "constraint on an unknown key", Constraint("node.rol==worker"), "constraints" },
        { "constraint with an operator Swarm lacks", Constraint("node.labels.zone>=a"), "constraints" },
        { "constraint with no value", Constraint("node.labels.zone=="), "constraints" },
        { "constraints not an array", With("placement", new BsonDocument("constraints", "node.role==worker")), "constraints" },
        { "spread over something not a label", With("placement", BsonDocument.Parse("{ preferences: [ { spread: 'node.hostname' } ] }")), "spread" },
        { "preference without spread", With("placement", BsonDocument.Parse("{ preferences: [ { } ] }")), "spread" },
        { "negative cap per node", With("placement", BsonDocument.Parse("{ maxReplicasPerNode: -1.0 }")), "maxReplicasPerNode" },
        { "unknown placement field", With("placement", BsonDocument.Parse("{ platforms: [] }")), "platforms" },
        { "rollback that rolls back", With("rollback", BsonDocument.Parse("{ failureAction: 'rollback' }")), "failureAction" },
        { "unknown update failure action", With("update", BsonDocument.Parse("{ failureAction: 'retry' }")), "failureAction" },
        { "monitor of zero", With("update", BsonDocument.Parse("{ monitorSeconds: 0.0 }")), "monitorSeconds" },
        { "delay above an hour", With("rollback", BsonDocument.Parse("{ delaySeconds: 7200.0 }")), "delaySeconds" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task What_Swarm_cannot_run_is_refused_naming_the_field(string problem, BsonDocument document, string field)
    {
        await using var database = target.CreateDatabase(output);
        await new SchemaInstaller(database.Database).InstallAsync(None);

        var refused = await Assert.ThrowsAsync<MongoWriteException>(() => database.Collection<BsonDocument>("services").InsertOneAsync(document));

        var details = refused.WriteError.Details?.ToJson() ?? "";
        output.WriteLine($"{problem}: {MongoErrors.Describe(refused)}; {details}");
        Assert.Equal(121, refused.WriteError.Code);
        Assert.Equal("code 121 (DocumentValidationFailure): Document failed validation", MongoErrors.Describe(refused));
        Assert.Contains($"\"{field}\"", details);
    }

    /// <summary>Constraints on the edge of Swarm's grammar: the validator and the operator's reader must agree on each.</summary>
    public static TheoryData<string> EdgeConstraints() =>
    [
        "node.role==worker", "NODE.ROLE==worker", " node.labels.zone != eu-1 ", "engine.labels.os==ubuntu 24.04",
        "node.labels.tier==(web|api)", "node.platform.arch==x86_64", "node.id==2ivku8v2gvtg4",
        "node.role=worker", "node.rol==worker", "zone==a", "node.labels.==a", "node.labels.zone==", "node.labels.zone==a<b",
        "node.labels.zone==a!=b", "==a", "node.labels.zone==   ", "node.labels.zone~=a",
    ];

    [Theory]
    [MemberData(nameof(EdgeConstraints))]
    public async Task The_installed_validator_and_the_domain_validator_agree_on_a_constraint(string constraint)
    {
        await using var database = target.CreateDatabase(output);
        await new SchemaInstaller(database.Database).InstallAsync(None);
        // node.role's values (manager|worker) are left to the domain validator; every other rule is in both.
        var domainAccepts = PlacementSyntax.ConstraintProblem(constraint) is null;

        var schemaAccepts = true;
        try
        {
            await database.Collection<BsonDocument>("services").InsertOneAsync(Constraint(constraint));
        }
        catch (MongoWriteException refused) when (refused.WriteError.Code == 121)
        {
            schemaAccepts = false;
        }

        output.WriteLine($"'{constraint}': domain {(domainAccepts ? "accepts" : "refuses")}, schema {(schemaAccepts ? "accepts" : "refuses")}");
        Assert.Equal(domainAccepts, schemaAccepts);
    }

    [Fact]
    public void The_schema_bounds_are_the_domain_limits()
    {
        var spec = SchemaInstaller.LoadSchema("schemas/servicespec.schema.json")["properties"]["spec"]["properties"];
        var placement = spec["placement"]["properties"];

        Assert.Equal(SpecLimits.MaxPlacementConstraints, placement["constraints"]["maxItems"].ToInt32());
        Assert.Equal(SpecLimits.MaxPlacementPreferences, placement["preferences"]["maxItems"].ToInt32());
        Assert.Equal(SpecLimits.MaxPlacementExpressionBytes, placement["constraints"]["items"]["maxLength"].ToInt32());
        Assert.Equal(SpecLimits.MaxRolloutSeconds, spec["update"]["properties"]["delaySeconds"]["maximum"].ToInt32());
        Assert.Equal(SpecLimits.MaxRolloutSeconds, spec["rollback"]["properties"]["monitorSeconds"]["maximum"].ToInt32());
        Assert.Equal(
            Enum.GetValues<UpdateFailureAction>().Where(action => action != UpdateFailureAction.Rollback).Select(action => action.ToString().ToLowerInvariant()),
            spec["rollback"]["properties"]["failureAction"]["enum"].AsBsonArray.Select(value => value.AsString));
    }
}
