using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Cli.Tests;

/// <summary>
/// `zpm get` through the whole CLI, output captured as a pipe would take it: every column is there, long values are
/// cut only with "…", `-o wide` and `--no-headers` do what scripts expect; `get events` filters and `--watch` prints
/// the change as it happens.
/// </summary>
public sealed class GetOutputTests(MongoTestTarget target, ITestOutputHelper output) : IClassFixture<MongoTestTarget>
{
    private const string LongImage = "registry.example.com/platform/team-with-a-long-name/web-frontend:2026.12.06-build.1234";

    private async Task<CliResult> ZpmAsync(TestDatabase database, params string[] args)
    {
        var result = await CliRunner.RunAsync([.. args, "--mongo", target.ConnectionString, "--database", database.Name]);
        output.WriteLine($"$ zpm {string.Join(' ', args)} → {result.ExitCode}\n{result.Output}{result.Error}");
        return result;
    }

    private async Task ApplyServicesAsync(TestDatabase database)
    {
        using var files = new ManifestFiles();
        files.Write("a.yaml", string.Join("\n---\n",
            ManifestFiles.Service("web", "acme", 2),
            ManifestFiles.Service("frontend-with-a-rather-long-name", "globex").Replace("zpm/busybox:latest", LongImage, StringComparison.Ordinal)));
        Assert.Equal(0, (await ZpmAsync(database, "apply", "-f", files.Directory)).ExitCode);
        var store = new MongoServiceStore(database.Database);
        await store.WriteStatusAsync(
            new ResourceKey(ServiceSpec.KindName, "acme", "web"),
            new ServiceStatus { Phase = ResourcePhase.Running, Replicas = new ReplicaCounts(2, 2), Message = "all replicas healthy", UpdatedAt = DateTimeOffset.UtcNow },
            CancellationToken.None);
    }

    [Fact]
    public async Task Get_services_piped_keeps_every_column_on_one_line_and_cuts_a_long_image_with_an_ellipsis()
    {
        await using var database = target.CreateDatabase(output);
        await ApplyServicesAsync(database);

        var table = await ZpmAsync(database, "get", "services");

        Assert.Equal(0, table.ExitCode);
        var lines = table.Output.TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Matches(@"^TENANT\s+NAME\s+PHASE\s+READY\s+IMAGE\s+UPDATED$", lines[0]);
        Assert.Matches(@"^acme\s+web\s+Running\s+2/2\s+zpm/busybox:latest\s+\d+s$", lines[1]);
        var cut = Assert.Single(lines, line => line.StartsWith("globex", StringComparison.Ordinal));
        Assert.Matches(@"^globex\s+frontend-with-a-rather-long-name\s+-\s+-\s+registry\.example\.com/\S+…\s+-$", cut);
        Assert.DoesNotContain(LongImage, table.Output);
        // Columns line up: every value of a column starts where its header does.
        Assert.All(lines, line => Assert.Equal(lines[0].IndexOf("PHASE", StringComparison.Ordinal), IndexOfColumn(line, 2)));
    }

    [Fact]
    public async Task Get_services_wide_adds_the_message_and_cuts_nothing_and_no_headers_prints_only_rows()
    {
        await using var database = target.CreateDatabase(output);
        await ApplyServicesAsync(database);

        var wide = await ZpmAsync(database, "get", "services", "-o", "wide");
        var bare = await ZpmAsync(database, "get", "services", "--no-headers");

        Assert.Equal(0, wide.ExitCode);
        Assert.Matches(@"^TENANT\s+NAME\s+CATEGORY\s+PHASE\s+READY\s+IMAGE\s+UPDATED\s+MESSAGE\n", wide.Output);
        Assert.Contains(LongImage, wide.Output);
        Assert.Matches(@"acme\s+web\s+.*all replicas healthy\n", wide.Output);
        Assert.DoesNotContain("…", wide.Output);
        Assert.Equal(0, bare.ExitCode);
        Assert.DoesNotContain("TENANT", bare.Output);
        Assert.Equal(["acme", "globex"], bare.Output.TrimEnd('\n').Split('\n').Select(line => line.Split(' ')[0]));
    }

    [Fact]
    public async Task Get_events_lists_oldest_first_and_filters_by_tenant_and_resource()
    {
        await using var database = target.CreateDatabase(output);
        var recorder = new MongoEventRecorder(database.Database);
        var now = DateTimeOffset.UtcNow;
        var web = new ResourceKey(ServiceSpec.KindName, "acme", "web");
        await recorder.RecordAsync(new ResourceEvent(web, "Created", "created replica 0", EventType.Normal, now.AddMinutes(-3)), CancellationToken.None);
        await recorder.RecordAsync(new ResourceEvent(web, "ReplicaUnhealthy", "replica 0 failed\nits health check", EventType.Warning, now.AddMinutes(-1)), CancellationToken.None);
        await recorder.RecordAsync(new ResourceEvent(new ResourceKey(IntegrationSpec.KindName, "acme", "siem"), "PortAllocated", "http → 23612", EventType.Normal, now.AddMinutes(-2)), CancellationToken.None);
        await recorder.RecordAsync(new ResourceEvent(new ResourceKey(ServiceSpec.KindName, "globex", "web"), "Created", "globex replica", EventType.Normal, now), CancellationToken.None);

        var all = await ZpmAsync(database, "get", "events");
        var acme = await ZpmAsync(database, "get", "events", "-t", "acme", "--no-headers");
        var forWeb = await ZpmAsync(database, "get", "events", "-t", "acme", "--for", "svc/web", "--no-headers");
        var wrongFor = await ZpmAsync(database, "get", "events", "--for", "pod/web");

        Assert.Equal(0, all.ExitCode);
        Assert.Matches(@"^TENANT\s+LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE\n", all.Output);
        Assert.Equal(
            ["created replica 0", "http → 23612", "replica 0 failed its health check", "globex replica"],
            all.Output.TrimEnd('\n').Split('\n').Skip(1).Select(line => line[line.IndexOf("   ", line.IndexOf("/", StringComparison.Ordinal), StringComparison.Ordinal)..].Trim()));
        Assert.Matches(@"acme\s+1m\s+Warning\s+ReplicaUnhealthy\s+service/web\s+replica 0 failed its health check", all.Output);
        Assert.Equal(3, acme.Output.TrimEnd('\n').Split('\n').Length);
        Assert.DoesNotContain("globex", acme.Output);
        Assert.Equal(["Created", "ReplicaUnhealthy"], forWeb.Output.TrimEnd('\n').Split('\n').Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3]));
        Assert.Equal(2, wrongFor.ExitCode);
        Assert.Contains("--for 'pod/web' must be KIND/NAME", wrongFor.Error);
    }

    [Fact]
    public async Task Get_events_watch_prints_an_event_recorded_after_it_started()
    {
        await using var database = target.CreateDatabase(output);
        var recorder = new MongoEventRecorder(database.Database);
        var key = new ResourceKey(ServiceSpec.KindName, "acme", "web");
        await recorder.RecordAsync(new ResourceEvent(key, "Created", "before the watch", EventType.Normal, DateTimeOffset.UtcNow), CancellationToken.None);
        var watchOutput = new StringWriter();
        using var interrupt = new CancellationTokenSource();
        var watching = CliRunner.RunAsync(
            ["get", "events", "-t", "acme", "--watch", "--mongo", target.ConnectionString, "--database", database.Name], watchOutput, interrupt.Token);
        await Eventually.TrueAsync(() => Task.FromResult(CliRunner.Snapshot(watchOutput).Contains("before the watch") || watching.IsCompleted), TimeSpan.FromSeconds(20), "the initial list");

        // Events of another tenant are left out; the stream is open before the list is read, so this one is printed.
        await recorder.RecordAsync(new ResourceEvent(key with { Tenant = "globex" }, "Created", "other tenant", EventType.Normal, DateTimeOffset.UtcNow), CancellationToken.None);
        await recorder.RecordAsync(new ResourceEvent(key, "ReplicaUnhealthy", "during the watch", EventType.Warning, DateTimeOffset.UtcNow), CancellationToken.None);
        await Eventually.TrueAsync(() => Task.FromResult(CliRunner.Snapshot(watchOutput).Contains("during the watch") || watching.IsCompleted), TimeSpan.FromSeconds(20), "the watched event");
        await interrupt.CancelAsync();
        var result = await watching.WaitAsync(TimeSpan.FromSeconds(20));

        output.WriteLine(result.Output + result.Error);
        Assert.Equal(0, result.ExitCode);
        var lines = result.Output.TrimEnd('\n').Split('\n');
        Assert.Matches(@"^acme\s+\d+s\s+Warning\s+ReplicaUnhealthy\s+service/web\s+during the watch$", lines[^1]);
        Assert.DoesNotContain("other tenant", result.Output);
        // Aligned with the table above it; a longer value than any before widens its column from this row on.
        Assert.Equal(lines[0].IndexOf("TYPE", StringComparison.Ordinal), lines[^1].IndexOf("Warning", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Get_tenants_watch_prints_a_row_when_the_operator_changes_a_tenants_phase()
    {
        await using var database = target.CreateDatabase(output);
        var tenants = database.Collection<BsonDocument>(ZpmCollections.Tenants);
        await tenants.InsertOneAsync(new BsonDocument
        {
            ["_id"] = "acme",
            ["apiVersion"] = "zpm/v1",
            ["kind"] = "Tenant",
            ["metadata"] = new BsonDocument("name", "acme"),
            ["spec"] = new BsonDocument { ["displayName"] = "ACME", ["suspended"] = false },
            ["status"] = new BsonDocument { ["phase"] = "Creating" },
        });
        var watchOutput = new StringWriter();
        using var interrupt = new CancellationTokenSource();
        var watching = CliRunner.RunAsync(["get", "tenants", "-w", "--mongo", target.ConnectionString, "--database", database.Name], watchOutput, interrupt.Token);
        await Eventually.TrueAsync(() => Task.FromResult(CliRunner.Snapshot(watchOutput).Contains("Creating") || watching.IsCompleted), TimeSpan.FromSeconds(20), "the initial table");

        await tenants.UpdateOneAsync(new BsonDocument("_id", "acme"), Builders<BsonDocument>.Update.Set("status.phase", "Running").Set("status.message", "1 integration running"));
        await Eventually.TrueAsync(() => Task.FromResult(CliRunner.Snapshot(watchOutput).Contains("Running") || watching.IsCompleted), TimeSpan.FromSeconds(20), "the watched row");
        await interrupt.CancelAsync();
        var result = await watching.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(0, result.ExitCode);
        var lines = result.Output.TrimEnd('\n').Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Matches(@"^acme\s+ACME\s+Creating\s+", lines[1]);
        Assert.Matches(@"^acme\s+ACME\s+Running\s+-\s+no$", lines[2]);
    }

    /// <summary>Where the <paramref name="column"/>th value (0-based) of a line starts; the table separates values by at least three spaces.</summary>
    private static int IndexOfColumn(string line, int column)
    {
        var index = 0;
        for (var seen = 0; seen < column; seen++)
        {
            index = line.IndexOf("   ", index, StringComparison.Ordinal);
            while (line[index] == ' ')
            {
                index++;
            }
        }

        return index;
    }
}
