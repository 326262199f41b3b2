using System.Text.Json;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Cli.Tests;

public sealed class CliCommandTests(MongoTestTarget target, ITestOutputHelper output) : IClassFixture<MongoTestTarget>
{
    private async Task<CliResult> ZpmAsync(TestDatabase database, params string[] args)
    {
        var result = await CliRunner.RunAsync([.. args, "--mongo", target.ConnectionString, "--database", database.Name]);
        output.WriteLine($"$ zpm {string.Join(' ', args)} → {result.ExitCode}\n{result.Output}{result.Error}");
        return result;
    }

    [Fact]
    public async Task Install_is_idempotent()
    {
        await using var database = target.CreateDatabase(output);

        var first = await ZpmAsync(database, "install");
        var second = await ZpmAsync(database, "install");

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(0, second.ExitCode);
        Assert.Contains($"collection {database.Name}.services: created, validator applied", first.Output);
        Assert.Contains($"collection {database.Name}.services: exists, validator applied", second.Output);
    }

    [Fact]
    public async Task Applying_the_same_manifests_twice_creates_once_then_reports_unchanged()
    {
        await using var database = target.CreateDatabase(output);
        using var files = new ManifestFiles();
        files.Write("services.yaml", ManifestFiles.Service("web", "acme", 2) + "\n---\n" + ManifestFiles.Service("db"));
        await ZpmAsync(database, "install");

        var first = await ZpmAsync(database, "apply", "-f", files.Directory);
        var second = await ZpmAsync(database, "apply", "-f", files.Directory);

        Assert.Equal(0, first.ExitCode);
        Assert.Contains("servicespec/acme/web created", first.Output);
        Assert.Contains("servicespec/system/db created", first.Output);
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("servicespec/acme/web unchanged", second.Output);
        Assert.Contains("servicespec/system/db unchanged", second.Output);
        var ids = await database.Collection<BsonDocument>("services").Find(FilterDefinition<BsonDocument>.Empty).Project(new BsonDocument("_id", 1)).ToListAsync();
        Assert.Equal(["acme/web", "system/db"], ids.Select(id => id["_id"].AsString).Order());
    }

    [Fact]
    public async Task A_bad_document_is_reported_by_file_and_index_and_the_good_ones_are_still_applied()
    {
        await using var database = target.CreateDatabase(output);
        using var files = new ManifestFiles();
        var path = files.Write("mixed.yaml", string.Join("\n---\n",
            ManifestFiles.Service("first"),
            ManifestFiles.Service("broken", replicas: -2),
            ManifestFiles.Service("third", extraSpec: "  colour: red"),
            ManifestFiles.Service("last")));
        files.Write("unparsable.yaml", "kind: [\n");
        await ZpmAsync(database, "install");

        var result = await ZpmAsync(database, "apply", "-f", files.Directory);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"error: {path}#1: system/broken: spec.replicas must be an integer ≥ 0, got -2", result.Error);
        Assert.Contains($"error: {path}#2: system/third: spec.colour is not a known field", result.Error);
        Assert.Contains("unparsable.yaml#0: not valid YAML/JSON at line", result.Error);
        Assert.Contains("servicespec/system/first created", result.Output);
        Assert.Contains("servicespec/system/last created", result.Output);
        Assert.Equal(2, await database.Collection<BsonDocument>("services").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task A_manifest_with_rollout_and_placement_is_stored_as_written_and_a_bad_constraint_is_refused_with_the_swarm_grammar()
    {
        await using var database = target.CreateDatabase(output);
        using var files = new ManifestFiles();
        const string placed = """
              update: { order: start-first, parallelism: 2, delaySeconds: 5, monitorSeconds: 20, failureAction: pause }
              rollback: { order: stop-first, failureAction: continue }
              placement:
                constraints: ["node.role==worker", "node.labels.zone!=a"]
                preferences:
                  - spread: node.labels.zone
                maxReplicasPerNode: 2
            """;
        var path = files.Write("placed.yaml", string.Join("\n---\n",
            ManifestFiles.Service("web", "acme", 4, extraSpec: placed),
            ManifestFiles.Service("typo", "acme", extraSpec: "  placement: { constraints: [\"node.role=worker\"] }"),
            ManifestFiles.Service("loop", "acme", extraSpec: "  rollback: { failureAction: rollback }")));
        await ZpmAsync(database, "install");

        var result = await ZpmAsync(database, "apply", "-f", path);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("servicespec/acme/web created", result.Output);
        Assert.Contains($"error: {path}#1: acme/typo: spec.placement.constraints[0] 'node.role=worker' must be KEY==VALUE or KEY!=VALUE (e.g. node.role==worker)", result.Error);
        Assert.Contains($"error: {path}#2: acme/loop: spec.rollback.failureAction must be pause or continue: a failed rollback has nothing to roll back to", result.Error);
        var stored = await database.Collection<BsonDocument>("services").Find(Builders<BsonDocument>.Filter.Eq("_id", "acme/web")).SingleAsync();
        Assert.Equal(
            BsonDocument.Parse("{ constraints: ['node.role==worker', 'node.labels.zone!=a'], preferences: [ { spread: 'node.labels.zone' } ], maxReplicasPerNode: 2 }"),
            stored["spec"]["placement"].AsBsonDocument);
        Assert.Equal("pause", stored["spec"]["update"]["failureAction"].AsString);
        Assert.Equal(20, stored["spec"]["update"]["monitorSeconds"].ToInt32());
        Assert.Equal("continue", stored["spec"]["rollback"]["failureAction"].AsString);
    }

    [Fact]
    public async Task The_shipped_samples_apply_cleanly_on_an_installed_database()
    {
        await using var database = target.CreateDatabase(output);
        await ZpmAsync(database, "install");

        var result = await ZpmAsync(database, "apply", "-f", SamplePaths.Directory);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Error);
        Assert.Contains("servicespec/system/web created", result.Output);
        Assert.Contains("servicespec/acme/api created", result.Output);
        Assert.Contains("integrationdefinition/siem-forwarder created", result.Output);
        Assert.Contains("integrationdefinition/edr-connector created", result.Output);
        Assert.Contains("integrationdefinition/threat-intel-feed created", result.Output);
    }

    [Fact]
    public async Task Get_services_as_json_lists_the_stored_documents_and_filters_by_tenant_and_category()
    {
        await using var database = target.CreateDatabase(output);
        using var files = new ManifestFiles();
        files.Write("a.yaml", string.Join("\n---\n",
            ManifestFiles.Service("web", "acme"),
            ManifestFiles.Service("cfg", "acme", extraSpec: "  category: core"),
            ManifestFiles.Service("other", "globex")));
        await ZpmAsync(database, "apply", "-f", files.Directory);

        var all = await ZpmAsync(database, "get", "services", "-o", "json");
        var acme = await ZpmAsync(database, "get", "services", "-t", "acme", "-o", "json");
        var core = await ZpmAsync(database, "get", "services", "--category", "core", "-o", "json");

        static string[] Names(CliResult result) =>
            [.. JsonDocument.Parse(result.Output).RootElement.EnumerateArray().Select(element => element.GetProperty("metadata").GetProperty("name").GetString()!)];
        Assert.Equal(0, all.ExitCode);
        Assert.Equal(["cfg", "web", "other"], Names(all));
        Assert.Equal(["cfg", "web"], Names(acme));
        Assert.Equal(["cfg"], Names(core));
    }

    [Fact]
    public async Task Get_services_as_a_table_shows_category_phase_and_readiness()
    {
        await using var database = target.CreateDatabase(output);
        using var files = new ManifestFiles();
        files.Write("a.yaml", ManifestFiles.Service("web", "acme", 2, "  category: core"));
        await ZpmAsync(database, "apply", "-f", files.Directory);
        var store = new MongoServiceStore(database.Database);
        await store.WriteStatusAsync(new ResourceKey("ServiceSpec", "acme", "web"), new ServiceStatus { Phase = ResourcePhase.Running, Replicas = new ReplicaCounts(2, 1), UpdatedAt = DateTimeOffset.UtcNow }, CancellationToken.None);

        var table = await ZpmAsync(database, "get", "services", "-o", "wide");
        var yaml = await ZpmAsync(database, "get", "services", "-o", "yaml");

        Assert.Equal(0, table.ExitCode);
        var row = table.Output.Split('\n').Single(line => line.Contains("web"));
        Assert.Matches(@"acme\s+.*web\s+.*core\s+.*Running\s+.*1/2\s+.*zpm/busybox:latest", row);
        Assert.Contains("name: web", yaml.Output);
        Assert.Contains("phase: Running", yaml.Output);
    }

    [Fact]
    public async Task Get_services_watch_prints_a_line_for_each_change_until_interrupted()
    {
        await using var database = target.CreateDatabase(output);
        using var files = new ManifestFiles();
        files.Write("a.yaml", ManifestFiles.Service("web", "acme"));
        await ZpmAsync(database, "apply", "-f", files.Directory);
        var watchOutput = new StringWriter();
        using var interrupt = new CancellationTokenSource();
        var watching = CliRunner.RunAsync(
            ["get", "services", "--watch", "--mongo", target.ConnectionString, "--database", database.Name], watchOutput, interrupt.Token);
        await Eventually.TrueAsync(() => Task.FromResult(CliRunner.Snapshot(watchOutput).Contains("web")), TimeSpan.FromSeconds(20), "the initial table");

        // The watch may open just after a write, so keep writing until one is seen: each write is a new replica count.
        var replicas = 1;
        await Eventually.TrueAsync(
            async () =>
            {
                replicas++;
                await database.Collection<BsonDocument>("services").UpdateOneAsync(
                    new BsonDocument("_id", "acme/web"), new BsonDocument("$set", new BsonDocument("spec.replicas", replicas)));
                return CliRunner.Snapshot(watchOutput).Split('\n').Count(line => line.StartsWith("acme ", StringComparison.Ordinal)) > 1;
            },
            TimeSpan.FromSeconds(20),
            "a watch line for the update");
        await interrupt.CancelAsync();
        var result = await watching.WaitAsync(TimeSpan.FromSeconds(20));

        output.WriteLine(result.Output + result.Error);
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task Describe_shows_spec_status_conditions_and_recent_events()
    {
        await using var database = target.CreateDatabase(output);
        using var files = new ManifestFiles();
        files.Write("a.yaml", ManifestFiles.Service("web", "acme"));
        await ZpmAsync(database, "apply", "-f", files.Directory);
        var store = new MongoServiceStore(database.Database);
        var key = new ResourceKey("ServiceSpec", "acme", "web");
        var now = DateTimeOffset.UtcNow;
        await store.WriteStatusAsync(key, new ServiceStatus
        {
            Phase = ResourcePhase.Degraded,
            Message = "1/1 unhealthy",
            Conditions = [new Condition("Ready", false, "ReplicaUnhealthy", "health check failing", now)],
            UpdatedAt = now,
        }, CancellationToken.None);
        await new MongoEventRecorder(database.Database).RecordAsync(
            new ResourceEvent(key, "ReplicaUnhealthy", "replica 0 failed its health check", EventType.Warning, now), CancellationToken.None);

        var result = await ZpmAsync(database, "describe", "service", "web", "-t", "acme");
        var missing = await ZpmAsync(database, "describe", "service", "nope");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Degraded", result.Output);
        Assert.Contains("1/1 unhealthy", result.Output);
        Assert.Contains("image: zpm/busybox:latest", result.Output);
        Assert.Contains("ReplicaUnhealthy", result.Output);
        Assert.Contains("replica 0 failed its health check", result.Output);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("service system/nope not found", missing.Error);
    }

    [Fact]
    public async Task Describe_shows_the_rollout_section_of_a_rolled_back_service_as_stored_in_status()
    {
        await using var database = target.CreateDatabase(output);
        using var files = new ManifestFiles();
        files.Write("a.yaml", ManifestFiles.Service("web", "acme"));
        await ZpmAsync(database, "apply", "-f", files.Directory);
        var store = new MongoServiceStore(database.Database);
        var key = new ResourceKey("ServiceSpec", "acme", "web");
        var now = DateTimeOffset.UtcNow;
        var rollout = new ServiceRollout(RolloutState.RolledBack, "badbadbadbadbad0", 4, 3, "good000000000000",
            "new replica zpm-acme-web-2 is unhealthy (HTTP status 500)", new DateTimeOffset(2026, 12, 6, 23, 0, 0, TimeSpan.Zero));
        await store.WriteStatusAsync(key, new ServiceStatus { Phase = ResourcePhase.Degraded, Rollout = rollout, UpdatedAt = now }, CancellationToken.None);

        var stored = await store.GetAsync(key, CancellationToken.None);
        var result = await ZpmAsync(database, "describe", "service", "web", "-t", "acme");

        Assert.Equal(rollout, stored?.Status?.Rollout);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("RolledBack: spec badbadbadbadbad0 (revision 4, failed) -> revision 3 (spec good000000000000)", result.Output);
        Assert.Contains("new replica zpm-acme-web-2 is unhealthy (HTTP status 500)", result.Output);
    }

    [Fact]
    public async Task Delete_marks_the_document_for_the_operator_and_wait_returns_once_it_is_gone()
    {
        await using var database = target.CreateDatabase(output);
        using var files = new ManifestFiles();
        files.Write("a.yaml", ManifestFiles.Service("web"));
        await ZpmAsync(database, "apply", "-f", files.Directory);
        var services = database.Collection<BsonDocument>("services");

        var marked = await ZpmAsync(database, "delete", "service", "web");
        var flagged = (await services.Find(new BsonDocument("_id", "system/web")).SingleAsync())["metadata"]["deletionRequested"].AsBoolean;
        // Stand-in for the operator: remove the document once the waiting command has found it and requested deletion
        // (removing it earlier would make that command report "not found", which is right for a document already gone).
        var waitOutput = new StringWriter();
        var waiting = CliRunner.RunAsync(
            ["delete", "service", "web", "--wait", "--timeout", "30", "--mongo", target.ConnectionString, "--database", database.Name],
            waitOutput,
            CancellationToken.None);
        await Eventually.TrueAsync(
            () => Task.FromResult(CliRunner.Snapshot(waitOutput).Contains("deletion requested") || waiting.IsCompleted),
            TimeSpan.FromSeconds(20),
            "the waiting delete to request deletion");
        await services.DeleteOneAsync(new BsonDocument("_id", "system/web"));
        var waited = await waiting.WaitAsync(TimeSpan.FromSeconds(40));
        output.WriteLine($"$ zpm delete service web --wait → {waited.ExitCode}\n{waited.Output}{waited.Error}");
        var missing = await ZpmAsync(database, "delete", "service", "web");

        Assert.Equal(0, marked.ExitCode);
        Assert.True(flagged);
        Assert.Equal(0, waited.ExitCode);
        Assert.Contains("servicespec/system/web deleted", waited.Output);
        Assert.Equal(1, missing.ExitCode);
    }

    [Fact]
    public async Task Graph_prints_the_state_machine_in_both_formats()
    {
        var mermaid = await CliRunner.RunAsync("graph");
        var dot = await CliRunner.RunAsync("graph", "--format", "dot");

        Assert.Equal(0, mermaid.ExitCode);
        Assert.Contains("stateDiagram", mermaid.Output);
        Assert.Contains("Degraded", mermaid.Output);
        Assert.Contains("digraph", dot.Output);
    }

    [Theory]
    [InlineData("get", "services", "-o", "xml")]
    [InlineData("frobnicate")]
    [InlineData("apply")]
    [InlineData("get", "services", "--watch", "-o", "json")]
    [InlineData("tenant", "onboard", "acme")]
    [InlineData("tenant", "onboard", "Not_A_Label", "-i", "101")]
    [InlineData("get", "integrations", "-o", "xml")]
    [InlineData("describe", "integration", "siem")]
    [InlineData("port", "acme")]
    [InlineData("run", "--port-range", "30000-20000")]
    [InlineData("run", "--port-range", "20000")]
    [InlineData("run", "--revision-history-limit", "1")]
    [InlineData("rollout", "undo")]
    [InlineData("rollout", "history", "web", "--revision", "two")]
    public async Task Usage_mistakes_exit_with_code_2_and_a_message(params string[] args)
    {
        var result = await CliRunner.RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: ", result.Error);
    }

    [Fact]
    public async Task An_unreachable_server_is_one_clear_error_line_without_a_stack_trace()
    {
        var port = FreeTcpPort.Pick();
        var result = await CliRunner.RunAsync("get", "services", "--mongo", $"mongodb://127.0.0.1:{port}/?directConnection=true&serverSelectionTimeoutMS=300");

        Assert.Equal(1, result.ExitCode);
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.StartsWith("error: cannot reach MongoDB", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
    }
}
