using System.CommandLine;
using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Cli.Manifests;
using ZonaProcessManager.Cli.Output;
using ZonaProcessManager.Domain.Releases;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>
/// `zpm release apply|status|pause|resume|rollback` and `zpm get releases`. Every command writes the release's spec
/// only (pause, resume and rollback are requests the operator carries out); status is the operator's.
/// </summary>
public static class ReleaseCommand
{
    private static readonly TextColumn[] StatusColumns =
    [
        new("CATEGORY"), new("STATE"), new("SERVICE"), new("SERVICE STATE"), new("IMAGE", 40), new("PREVIOUS", 40), new("MESSAGE", 60),
    ];

    private static readonly TextColumn[] ListColumns =
    [
        new("NAME"), new("PHASE"), new("DONE"), new("FAILED"), new("BASE TAG", 30), new("UPDATED"), new("MESSAGE", 0, WideOnly: true),
    ];

    public static Command Create(CliApplication app, CliContext context)
    {
        var release = new Command("release", "Roll an image tag out to services category by category, and pause, resume or roll it back");
        release.Subcommands.Add(Apply(app, context));
        release.Subcommands.Add(Status(app, context));
        release.Subcommands.Add(Request(app, context, "pause", "Start nothing new until resumed (services already rolling finish)",
            (store, name, token) => store.SetPausedAsync(name, true, token), "pause requested"));
        release.Subcommands.Add(Request(app, context, "resume", "Continue a paused release; after a failure pause, look at the failed services again",
            (store, name, token) => store.SetPausedAsync(name, false, token), "resume requested"));
        release.Subcommands.Add(Request(app, context, "rollback", "Restore every service the release changed to its image before it, categories in reverse order",
            (store, name, token) => store.RequestRollbackAsync(name, token), "rollback requested"));
        return release;
    }

    private static Argument<string> NameArgument() => new("name") { Description = "The release's metadata.name" };

    private static Command Apply(CliApplication app, CliContext context)
    {
        var file = new Option<string>("--filename", "-f") { Description = "A YAML/JSON file or a directory of them (kind Release)", Required = true };
        var command = new Command("apply", "Create or update Release documents (idempotent; pause/resume/rollback requests are kept unless the file sets them)") { file };
        command.SetAction(app.Guard(async (parseResult, cancellationToken) =>
        {
            using var connection = app.Globals.Connect(parseResult);
            var documents = ManifestReader.Read(parseResult.GetValue(file)!);
            if (documents.Count == 0)
            {
                await context.Error.WriteLineAsync($"error: no manifests found in {parseResult.GetValue(file)} (expected *.yaml, *.yml or *.json)");
                return CliApplication.Failed;
            }

            var failures = 0;
            foreach (var manifest in documents)
            {
                var kind = manifest.Document?.GetValue(DocumentFields.Kind, BsonNull.Value);
                var problem = manifest.Document is null ? manifest.Error
                    : kind is { IsString: true, AsString: Release.KindName } ? null
                    : $"kind must be {Release.KindName}, got {(kind is { IsString: true } ? "\"" + kind.AsString + "\"" : "none")}";
                if (problem is not null)
                {
                    failures++;
                    await context.Error.WriteLineAsync($"error: {manifest.Location}: {problem}");
                    continue;
                }

                failures += await ApplyOneAsync(context, connection.Database, manifest, cancellationToken) ? 0 : 1;
            }

            return failures == 0 ? CliApplication.Ok : CliApplication.Failed;
        }));
        return command;
    }

    /// <summary>Checks one Release manifest (shape and rules) and upserts it; false, with the reason on stderr, when it is refused.</summary>
    public static async Task<bool> ApplyOneAsync(CliContext context, IMongoDatabase database, ManifestDocument manifest, CancellationToken cancellationToken)
    {
        var stored = ReleaseDocumentMapper.Read(manifest.Document!);
        if (stored.Release is not { } release)
        {
            await context.Error.WriteLineAsync($"error: {manifest.Location}: release/{stored.Key.Name}: {stored.InvalidReason}");
            return false;
        }

        try
        {
            var outcome = await new MongoReleaseStore(database).ApplyAsync(release, manifest.Document!, cancellationToken);
            await context.Output.WriteLineAsync($"release/{release.Metadata.Name} {outcome.ToString().ToLowerInvariant()}");
            return true;
        }
        catch (MongoWriteException exception)
        {
            await context.Error.WriteLineAsync($"error: {manifest.Location}: release/{release.Metadata.Name} rejected by MongoDB: {exception.WriteError.Message}");
            return false;
        }
    }

    private static Command Status(CliApplication app, CliContext context)
    {
        var name = NameArgument();
        var watch = new Option<bool>("--watch", "-w") { Description = "Print the status again at every change until the release is Complete, RolledBack, Failed or Invalid (exit 1 for the last two)" };
        var command = new Command("status", "Phase, and each category's and service's state, image and the image it replaced") { name, watch };
        command.SetAction(app.Guard(async (parseResult, cancellationToken) =>
        {
            using var connection = app.Globals.Connect(parseResult);
            var store = new MongoReleaseStore(connection.Database);
            var releaseName = parseResult.GetValue(name)!;
            var following = parseResult.GetValue(watch);
            // Opened before the read, so a change in between is printed rather than lost.
            using var changes = following
                ? await store.Releases.WatchAsync(
                    PipelineDefinitionBuilder.For<ChangeStreamDocument<BsonDocument>>().Match(Builders<ChangeStreamDocument<BsonDocument>>.Filter.In(
                        "fullDocument.metadata.name", new[] { releaseName })),
                    new ChangeStreamOptions { FullDocument = ChangeStreamFullDocumentOption.UpdateLookup }, cancellationToken)
                : null;
            var document = await store.GetDocumentAsync(releaseName, cancellationToken);
            if (document is null)
            {
                await context.Error.WriteLineAsync($"error: release {releaseName} not found");
                return CliApplication.Failed;
            }

            var last = await PrintAsync(context, document);
            var final = IsFinal(last, document);
            while (changes is not null && !final && await changes.MoveNextAsync(cancellationToken))
            {
                foreach (var change in changes.Current)
                {
                    if (change.FullDocument is { } changed)
                    {
                        await context.Output.WriteLineAsync();
                        last = await PrintAsync(context, changed);
                        final = IsFinal(last, changed);
                    }
                }

                await context.Output.FlushAsync(cancellationToken);
            }

            return following && last?.Phase is ReleasePhase.Failed or ReleasePhase.Invalid ? CliApplication.Failed : CliApplication.Ok;
        }));
        return command;
    }

    /// <summary>
    /// A phase nothing follows. Complete is final only while no rollback is requested: right after `zpm release
    /// rollback` the status still says Complete until the operator has looked, and the rollback is what is awaited.
    /// </summary>
    private static bool IsFinal(ReleaseStatus? status, BsonDocument document) =>
        status?.Phase is ReleasePhase.RolledBack or ReleasePhase.Failed or ReleasePhase.Invalid
        || (status?.Phase == ReleasePhase.Complete && !RollbackRequested(document));

    private static bool RollbackRequested(BsonDocument document) =>
        document.GetValue(DocumentFields.Spec, BsonNull.Value) is BsonDocument spec && spec.GetValue("rollback", false) is { IsBoolean: true, AsBoolean: true };

    private static async Task<ReleaseStatus?> PrintAsync(CliContext context, BsonDocument document)
    {
        var stored = ReleaseDocumentMapper.Read(document);
        var status = stored.Status;
        var baseTag = document.GetValue(DocumentFields.Spec, new BsonDocument()) is BsonDocument spec && spec.GetValue("baseTag", BsonNull.Value) is { IsString: true } tag ? tag.AsString : "?";
        if (status is null)
        {
            await context.Output.WriteLineAsync($"release/{stored.Key.Name}   phase: -   base tag: {baseTag}   (no status yet: is the operator running?)");
            if (stored.InvalidReason is not null)
            {
                await context.Output.WriteLineAsync($"invalid: {stored.InvalidReason}");
            }

            return null;
        }

        var counts = status.Counts;
        await context.Output.WriteLineAsync(
            $"release/{stored.Key.Name}   phase: {status.Phase}   base tag: {baseTag}   done {counts.Done}/{counts.Total}, rolling {counts.Rolling}, failed {counts.Failed}, skipped {counts.Skipped}, rolled back {counts.RolledBack}");
        if (status.Message is not null)
        {
            await context.Output.WriteLineAsync("message: " + status.Message);
        }

        var table = new TextTable(StatusColumns);
        foreach (var category in status.Categories)
        {
            foreach (var service in category.Services)
            {
                table.AddRow(ReleasePlanner.Name(category.Category), Camel(category.State.ToString()), service.Id, Camel(service.State.ToString()),
                    service.TargetImage, service.PreviousImage ?? "-", service.Message ?? "");
            }
        }

        if (table.RowCount > 0)
        {
            await table.WriteAsync(context.Output, wide: false);
        }

        return status;
    }

    private static Command Request(
        CliApplication app, CliContext context, string verb, string description, Func<MongoReleaseStore, string, CancellationToken, Task<bool>> write, string done)
    {
        var name = NameArgument();
        var command = new Command(verb, description) { name };
        command.SetAction(app.Guard(async (parseResult, cancellationToken) =>
        {
            using var connection = app.Globals.Connect(parseResult);
            var releaseName = parseResult.GetValue(name)!;
            if (!await write(new MongoReleaseStore(connection.Database), releaseName, cancellationToken))
            {
                await context.Error.WriteLineAsync($"error: release {releaseName} not found");
                return CliApplication.Failed;
            }

            await context.Output.WriteLineAsync($"release/{releaseName} {done}");
            return CliApplication.Ok;
        }));
        return command;
    }

    /// <summary>`zpm get releases`.</summary>
    public static Command Get(CliApplication app, CliContext context)
    {
        var list = new ListOptions();
        var command = new Command("releases", "List Releases with their phase and progress");
        command.Aliases.Add("release");
        list.AddTo(command);
        command.SetAction(app.Guard(async (parseResult, cancellationToken) =>
        {
            var request = list.Read(parseResult);
            using var connection = app.Globals.Connect(parseResult);
            var store = new MongoReleaseStore(connection.Database);
            var source = new ResourceTable(
                "releases",
                ListColumns,
                store.Releases,
                async token => [.. await store.ListDocumentsAsync(token)],
                (document, _) => Task.FromResult<BsonDocument?>(document),
                document => ListRow(document, context.Time.GetUtcNow()));
            return await ResourceListing.RunAsync(context, request, source, cancellationToken);
        }));
        return command;
    }

    private static string[] ListRow(BsonDocument document, DateTimeOffset now)
    {
        var stored = ReleaseDocumentMapper.Read(document);
        var status = stored.Status;
        var baseTag = document.GetValue(DocumentFields.Spec, new BsonDocument()) is BsonDocument spec && spec.GetValue("baseTag", BsonNull.Value) is { IsString: true } tag ? tag.AsString : "";
        return
        [
            stored.Key.Name,
            status?.Phase.ToString() ?? "-",
            status is null ? "-" : $"{status.Counts.Done}/{status.Counts.Total}",
            status is null ? "-" : status.Counts.Failed.ToString(System.Globalization.CultureInfo.InvariantCulture),
            baseTag,
            status is null || status.UpdatedAt == DateTimeOffset.MinValue ? "-" : ServiceRow.Age(now - status.UpdatedAt),
            status?.Message ?? stored.InvalidReason ?? "",
        ];
    }

    private static string Camel(string pascal) => char.ToLowerInvariant(pascal[0]) + pascal[1..];
}
