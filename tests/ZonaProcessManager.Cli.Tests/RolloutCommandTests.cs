using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Cli.Commands;
using ZonaProcessManager.Domain.Hashing;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Mongo.Mapping;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Cli.Tests;

/// <summary>
/// `zpm rollout` and the change cause `zpm apply` stamps, against MongoDB without an operator: revisions are recorded
/// here the way the operator records them (<see cref="MongoRevisionStore"/>), and statuses are written by hand.
/// </summary>
public sealed class RolloutCommandTests(MongoTestTarget target, ITestOutputHelper output) : IClassFixture<MongoTestTarget>
{
    private static readonly ResourceKey Web = new(ServiceSpec.KindName, "acme", "web");

    private async Task<CliResult> ZpmAsync(TestDatabase database, params string[] args)
    {
        var result = await CliRunner.RunAsync([.. args, "--mongo", target.ConnectionString, "--database", database.Name]);
        output.WriteLine($"$ zpm {string.Join(' ', args)} → {result.ExitCode}\n{result.Output}{result.Error}");
        return result;
    }

    private static string WebManifest(string image, string extraMetadata = "") => $"""
        apiVersion: zpm/v1
        kind: ServiceSpec
        metadata:
          name: web
          tenant: acme
        {extraMetadata}
        spec:
          image: {image}
          replicas: 2
          env: {"{"} API_KEY: s3cret-value, MODE: prod {"}"}
        """;

    private async Task<BsonDocument> DocumentAsync(TestDatabase database) =>
        (await new MongoServiceStore(database.Database).GetDocumentAsync(Web, CancellationToken.None))!;

    private static string Annotation(BsonDocument document, string name) =>
        DocumentView.Text(DocumentView.Metadata(document).GetValue("annotations", BsonNull.Value) as BsonDocument, name);

    /// <summary>Applies <paramref name="image"/> and records the stored spec as the next revision, as the operator would.</summary>
    private async Task<ServiceRevision> ApplyAndRecordAsync(TestDatabase database, ManifestFiles files, string image, string extraMetadata = "")
    {
        var applied = await ZpmAsync(database, "apply", "-f", files.Write($"web-{image.Replace(':', '-').Replace('/', '-')}.yaml", WebManifest(image, extraMetadata)));
        Assert.Equal(0, applied.ExitCode);
        return await RecordCurrentAsync(database);
    }

    private async Task<ServiceRevision> RecordCurrentAsync(TestDatabase database)
    {
        var spec = new ServiceDocumentMapper().Read(await DocumentAsync(database)).Spec!;
        return await new MongoRevisionStore(database.Database).RecordAsync(
            Web, spec.Spec, SpecHasher.HashOf(spec), ChangeCause.Of(spec.Metadata), DateTimeOffset.UtcNow, keep: 10, CancellationToken.None);
    }

    /// <summary>Installs the schema, applies web.yaml with <paramref name="image"/> and returns the stored spec's hash.</summary>
    private async Task<string> InstallAndApplyAsync(TestDatabase database, ManifestFiles files, string image)
    {
        await ZpmAsync(database, "install");
        await ZpmAsync(database, "apply", "-f", files.Write("web.yaml", WebManifest(image)));
        return ResourceWait.CurrentSpecHash(await DocumentAsync(database))!;
    }

    private static async Task WriteStatusAsync(TestDatabase database, BsonDocument status) =>
        await database.Collection<BsonDocument>(ZpmCollections.Services).UpdateOneAsync(
            MongoServiceStore.KeyFilter(Web), Builders<BsonDocument>.Update.Set("status", status));

    [Fact]
    public async Task Apply_stamps_who_changed_the_spec_keeps_it_when_nothing_changed_and_a_manifest_cause_wins()
    {
        await using var database = target.CreateDatabase(output);
        using var files = new ManifestFiles();
        await ZpmAsync(database, "install");

        var created = await ZpmAsync(database, "apply", "-f", files.Write("v1.yaml", WebManifest("zpm/busybox:1.0")));
        var cause = Annotation(await DocumentAsync(database), ChangeCause.Annotation);
        var again = await ZpmAsync(database, "apply", "-f", files.Directory);
        var own = await ZpmAsync(database, "apply", "-f", files.Write("v1.yaml", WebManifest("zpm/busybox:2.0", "  annotations: { zpm.change-cause: \"ticket OPS-7\" }")));

        Assert.Contains("servicespec/acme/web created", created.Output);
        Assert.StartsWith("zpm apply by ", cause, StringComparison.Ordinal);
        if (new MongoUrl(target.ConnectionString) is { Password: { Length: > 0 } password })
        {
            Assert.DoesNotContain(password, cause, StringComparison.Ordinal);
        }
        Assert.Contains("servicespec/acme/web unchanged", again.Output);
        Assert.Contains("servicespec/acme/web configured", own.Output);
        Assert.Equal("ticket OPS-7", Annotation(await DocumentAsync(database), ChangeCause.Annotation));
    }

    [Fact]
    public async Task Apply_of_an_unchanged_manifest_after_a_restart_keeps_the_restart_and_reports_unchanged()
    {
        await using var database = target.CreateDatabase(output);
        using var files = new ManifestFiles();
        await ZpmAsync(database, "install");
        var path = files.Write("web.yaml", WebManifest("zpm/busybox:1.0"));
        await ZpmAsync(database, "apply", "-f", path);
        var before = ResourceWait.CurrentSpecHash(await DocumentAsync(database));

        var restart = await ZpmAsync(database, "rollout", "restart", "web", "-t", "acme");
        var restarted = await DocumentAsync(database);
        var reapplied = await ZpmAsync(database, "apply", "-f", path);
        var after = await DocumentAsync(database);

        Assert.Equal(0, restart.ExitCode);
        Assert.Equal("servicespec/acme/web restarted\n", restart.Output);
        Assert.True(DateTimeOffset.TryParse(Annotation(restarted, RolloutRestart.Annotation), out _));
        Assert.StartsWith("zpm rollout restart by ", Annotation(restarted, ChangeCause.Annotation), StringComparison.Ordinal);
        // The restart changes the replica hash (every replica is replaced), the spec itself stays.
        Assert.NotEqual(before, ResourceWait.CurrentSpecHash(restarted));
        Assert.Equal(DocumentView.Spec(restarted), DocumentView.Spec(after));
        Assert.Contains("servicespec/acme/web unchanged", reapplied.Output);
        Assert.Equal(ResourceWait.CurrentSpecHash(restarted), ResourceWait.CurrentSpecHash(after));
    }

    [Fact]
    public async Task History_lists_revisions_with_cause_image_and_hash_marks_the_newest_and_notes_a_spec_not_rolled_out_yet()
    {
        await using var database = target.CreateDatabase(output);
        using var files = new ManifestFiles();
        await ZpmAsync(database, "install");
        var first = await ApplyAndRecordAsync(database, files, "zpm/busybox:1.0");
        var second = await ApplyAndRecordAsync(database, files, "zpm/busybox:2.0", "  annotations: { zpm.change-cause: \"release v2\" }");

        var history = await ZpmAsync(database, "rollout", "history", "web", "-t", "acme");
        await ZpmAsync(database, "apply", "-f", files.Write("v3.yaml", WebManifest("zpm/busybox:3.0")));
        var pending = await ZpmAsync(database, "rollout", "history", "web", "-t", "acme");

        Assert.Equal(0, history.ExitCode);
        var lines = history.Output.TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Equal(["REVISION", "CHANGE-CAUSE", "CREATED", "IMAGE", "HASH", "CURRENT"], lines[0].Split("   ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Matches($@"^1\s+zpm apply by \S+\s+\d+s\s+zpm/busybox:1\.0\s+{first.SpecHash}\s+-$", lines[1]);
        Assert.Matches($@"^2\s+release v2\s+\d+s\s+zpm/busybox:2\.0\s+{second.SpecHash}\s+\*$", lines[2]);
        Assert.Equal("", history.Error);
        Assert.Equal(history.Output, pending.Output);
        Assert.StartsWith("note: the document's spec (hash ", pending.Error, StringComparison.Ordinal);
        Assert.Contains("the operator has not rolled it out", pending.Error);
    }

    [Fact]
    public async Task History_during_an_automatic_rollback_marks_the_revision_rolled_back_to_as_current_and_the_newest_as_failed()
    {
        await using var database = target.CreateDatabase(output);
        using var files = new ManifestFiles();
        await ZpmAsync(database, "install");
        var first = await ApplyAndRecordAsync(database, files, "zpm/busybox:1.0");
        var second = await ApplyAndRecordAsync(database, files, "zpm/busybox:2.0");
        await WriteStatusAsync(database, new BsonDocument
        {
            ["phase"] = "Degraded",
            ["observedSpecHash"] = second.SpecHash,
            ["replicas"] = new BsonDocument { ["desired"] = 2, ["ready"] = 2 },
            ["rollout"] = new BsonDocument
            {
                ["state"] = "RolledBack",
                ["failedSpecHash"] = second.SpecHash,
                ["fromRevision"] = 2L,
                ["toRevision"] = 1L,
                ["toSpecHash"] = first.SpecHash,
                ["message"] = "new replica zpm-acme-web-2 is unhealthy",
                ["startedAt"] = DateTime.UtcNow,
            },
        });

        var rolledBack = await ZpmAsync(database, "rollout", "history", "web", "-t", "acme");
        await ZpmAsync(database, "apply", "-f", files.Write("v3.yaml", WebManifest("zpm/busybox:3.0")));
        var changedAgain = await ZpmAsync(database, "rollout", "history", "web", "-t", "acme");

        Assert.Equal(0, rolledBack.ExitCode);
        var lines = rolledBack.Output.TrimEnd('\n').Split('\n');
        Assert.Matches($@"^1\s+.*{first.SpecHash}\s+\*$", lines[1]);
        Assert.Matches($@"^2\s+.*{second.SpecHash}\s+failed$", lines[2]);
        Assert.Equal(
            $"note: the document's spec (hash {second.SpecHash}) failed to roll out (new replica zpm-acme-web-2 is unhealthy); the operator rolled back "
            + "to revision 1 and runs it until the spec changes (zpm apply, or zpm rollout undo)\n",
            rolledBack.Error);
        // A new spec ends the rollback: the history is the plain one again, waiting for the operator to roll it out.
        Assert.EndsWith("*", changedAgain.Output.TrimEnd('\n').Split('\n')[2], StringComparison.Ordinal);
        Assert.Contains("the operator has not rolled it out", changedAgain.Error);
    }

    [Fact]
    public async Task History_of_one_revision_shows_its_spec_with_secret_env_masked_and_an_unknown_one_lists_the_kept_numbers()
    {
        await using var database = target.CreateDatabase(output);
        using var files = new ManifestFiles();
        await ZpmAsync(database, "install");
        await ApplyAndRecordAsync(database, files, "zpm/busybox:1.0", "  annotations: { zpm.secret-env: API_KEY }");
        await ApplyAndRecordAsync(database, files, "zpm/busybox:2.0", "  annotations: { zpm.secret-env: API_KEY }");

        var shown = await ZpmAsync(database, "rollout", "history", "web", "-t", "acme", "--revision", "1");
        var unknown = await ZpmAsync(database, "rollout", "history", "web", "-t", "acme", "--revision", "7");
        var missing = await ZpmAsync(database, "rollout", "history", "nope", "-t", "acme");

        Assert.Equal(0, shown.ExitCode);
        Assert.StartsWith("servicespec/acme/web revision 1\n", shown.Output, StringComparison.Ordinal);
        Assert.Contains("image: zpm/busybox:1.0", shown.Output);
        Assert.Contains("API_KEY: '***'", shown.Output);
        Assert.Contains("MODE: prod", shown.Output);
        Assert.DoesNotContain("s3cret-value", shown.Output);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Equal("error: revision 7 of servicespec/acme/web is not kept; kept revisions: 1, 2\n", unknown.Error);
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal("error: service acme/nope not found\n", missing.Error);
    }

    [Fact]
    public async Task Undo_writes_the_previous_revisions_spec_back_with_its_cause_and_refuses_unknown_or_missing_revisions()
    {
        await using var database = target.CreateDatabase(output);
        using var files = new ManifestFiles();
        await ZpmAsync(database, "install");
        await ApplyAndRecordAsync(database, files, "zpm/busybox:1.0");

        var onlyOne = await ZpmAsync(database, "rollout", "undo", "web", "-t", "acme");
        var second = await ApplyAndRecordAsync(database, files, "zpm/busybox:2.0");
        var unknown = await ZpmAsync(database, "rollout", "undo", "web", "-t", "acme", "--to-revision", "9");
        var undo = await ZpmAsync(database, "rollout", "undo", "web", "-t", "acme");
        var document = await DocumentAsync(database);

        Assert.Equal(1, onlyOne.ExitCode);
        Assert.Equal("error: servicespec/acme/web has no previous revision to go back to (only revision 1 is kept)\n", onlyOne.Error);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Equal("error: revision 9 of servicespec/acme/web is not kept; kept revisions: 1, 2\n", unknown.Error);
        Assert.Equal(0, undo.ExitCode);
        Assert.Equal("servicespec/acme/web rolled back to revision 1\n", undo.Output);
        Assert.Equal("zpm/busybox:1.0", DocumentView.Text(DocumentView.Spec(document), "image"));
        Assert.Matches(@"^zpm rollout undo to revision 1 by \S+$", Annotation(document, ChangeCause.Annotation));
        Assert.NotEqual(second.SpecHash, ResourceWait.CurrentSpecHash(document));
        // Replicas, env and every other field come back too, not only the image.
        Assert.Equal("prod", DocumentView.Text(DocumentView.Spec(document)!["env"].AsBsonDocument, "MODE"));
        Assert.Equal(2, DocumentView.Spec(document)!["replicas"].ToInt32());
    }

    [Fact]
    public async Task Restart_of_a_missing_service_fails_and_writes_nothing()
    {
        await using var database = target.CreateDatabase(output);
        await ZpmAsync(database, "install");

        var result = await ZpmAsync(database, "rollout", "restart", "ghost", "-t", "acme");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: service acme/ghost not found\n", result.Error);
        Assert.Equal(0, await database.Collection<BsonDocument>(ZpmCollections.Services).CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task Status_never_takes_a_Running_status_of_the_previous_spec_for_success()
    {
        await using var database = target.CreateDatabase(output);
        using var files = new ManifestFiles();
        var oldHash = await InstallAndApplyAsync(database, files, "zpm/busybox:1.0");
        await WriteStatusAsync(database, new BsonDocument
        {
            ["phase"] = "Running",
            ["observedSpecHash"] = oldHash,
            ["replicas"] = new BsonDocument { ["desired"] = 2, ["ready"] = 2 },
            ["updatedAt"] = DateTime.UtcNow.AddMinutes(1),
        });
        await ZpmAsync(database, "apply", "-f", files.Write("web.yaml", WebManifest("zpm/busybox:2.0")));

        var result = await ZpmAsync(database, "rollout", "status", "web", "-t", "acme", "--timeout", "1s");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("Waiting for rollout to finish: the operator has not picked up the current spec yet...\n", result.Output);
        Assert.StartsWith("error: servicespec/acme/web timed out after 1 s: Running (2/2 ready)", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_exits_0_for_the_current_spec_rolled_out_and_1_with_the_reason_for_a_stalled_rollout()
    {
        await using var database = target.CreateDatabase(output);
        using var files = new ManifestFiles();
        var hash = await InstallAndApplyAsync(database, files, "zpm/busybox:1.0");
        await WriteStatusAsync(database, new BsonDocument
        {
            ["phase"] = "Running",
            ["observedSpecHash"] = hash,
            ["replicas"] = new BsonDocument { ["desired"] = 2, ["ready"] = 2 },
        });
        var done = await ZpmAsync(database, "rollout", "status", "web", "-t", "acme");
        await WriteStatusAsync(database, new BsonDocument
        {
            ["phase"] = "Degraded",
            ["observedSpecHash"] = hash,
            ["replicas"] = new BsonDocument { ["desired"] = 2, ["ready"] = 2 },
            ["message"] = "Rollout stopped: new replica zpm-acme-web-2 is unhealthy; 2 replica(s) of the previous spec kept",
            ["conditions"] = new BsonArray { new BsonDocument { ["type"] = "Ready", ["status"] = "False", ["reason"] = "RolloutStalled", ["message"] = "…" } },
        });
        var stalled = await ZpmAsync(database, "rollout", "status", "web", "-t", "acme");

        Assert.Equal(0, done.ExitCode);
        Assert.Equal("servicespec/acme/web successfully rolled out (2/2 ready)\n", done.Output);
        Assert.Equal(1, stalled.ExitCode);
        Assert.Equal(
            "error: servicespec/acme/web rollout failed (RolloutStalled): Rollout stopped: new replica zpm-acme-web-2 is unhealthy; 2 replica(s) of the previous spec kept\n",
            stalled.Error);
    }

    [Fact]
    public async Task Status_waits_while_an_automatic_rollback_is_under_way_and_exits_1_once_it_has_finished()
    {
        await using var database = target.CreateDatabase(output);
        using var files = new ManifestFiles();
        var failedHash = await InstallAndApplyAsync(database, files, "zpm/busybox:2.0");
        BsonDocument RolledBackStatus(string state, string message) => new()
        {
            ["phase"] = "Degraded",
            ["observedSpecHash"] = "0123456789abcdef",
            ["replicas"] = new BsonDocument { ["desired"] = 2, ["ready"] = 1 },
            ["message"] = message,
            ["conditions"] = new BsonArray { new BsonDocument { ["type"] = "Ready", ["status"] = "False", ["reason"] = "RolledBack", ["message"] = message } },
            ["rollout"] = new BsonDocument
            {
                ["state"] = state,
                ["failedSpecHash"] = failedHash,
                ["fromRevision"] = 2L,
                ["toRevision"] = 1L,
                ["toSpecHash"] = "0123456789abcdef",
                ["message"] = "new replica zpm-acme-web-2 is unhealthy",
                ["startedAt"] = DateTime.UtcNow,
            },
        };
        await WriteStatusAsync(database, RolledBackStatus("RollingBack", "Spec failed to roll out; rolling back to revision 1"));

        var rollingBack = await ZpmAsync(database, "rollout", "status", "web", "-t", "acme", "--timeout", "1s");
        await WriteStatusAsync(database, RolledBackStatus("RolledBack", "Spec failed to roll out; rolled back to revision 1"));
        var rolledBack = await ZpmAsync(database, "rollout", "status", "web", "-t", "acme", "--timeout", "1s");

        Assert.Equal(1, rollingBack.ExitCode);
        Assert.Equal("Rollout failed, waiting for the rollback to finish (Degraded: Spec failed to roll out; rolling back to revision 1)...\n", rollingBack.Output);
        Assert.StartsWith("error: servicespec/acme/web timed out after 1 s: Degraded (1/2 ready)", rollingBack.Error, StringComparison.Ordinal);
        Assert.Equal(1, rolledBack.ExitCode);
        Assert.Equal("error: servicespec/acme/web rollout failed (RolledBack): Spec failed to roll out; rolled back to revision 1\n", rolledBack.Error);
    }
}
