using System.CommandLine;
using System.Globalization;
using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Cli.Output;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Planning;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>
/// `zpm rollout history|undo|restart|status NAME [-t TENANT]`, on a ServiceSpec's revisions (the operator records them
/// in `revisions`, <see cref="MongoRevisionStore"/>). Undo and restart are a user's writes to the document (never
/// fenced), which the operator then rolls out like any change; history and status only read.
/// </summary>
public static class RolloutCommand
{
    /// <summary>Degraded reasons that mean the rollout itself failed (rather than a replica that may still recover).</summary>
    public static readonly IReadOnlySet<string> FailedRolloutReasons = new HashSet<string>(StringComparer.Ordinal)
    {
        PlanOutcome.Reasons.RolloutStalled,
        PlanOutcome.Reasons.RolledBack,
    };

    public static Command Create(CliApplication app, CliContext context)
    {
        var rollout = new Command("rollout", "Revisions of a ServiceSpec: history, undo, restart, status");
        rollout.Subcommands.Add(History(app, context));
        rollout.Subcommands.Add(Undo(app, context));
        rollout.Subcommands.Add(Restart(app, context));
        rollout.Subcommands.Add(Status(app, context));
        return rollout;
    }

    private static Argument<string> NameArgument() => new("name") { Description = "Service name" };

    private static Option<string> TenantOption() =>
        new("--tenant", "-t") { Description = "Tenant", DefaultValueFactory = _ => ResourceKey.DefaultTenant };

    private static string Display(ResourceKey key) => $"servicespec/{key.Tenant}/{key.Name}";

    private static ResourceKey KeyOf(ParseResult parseResult, Argument<string> name, Option<string> tenant) =>
        new(ServiceSpec.KindName, parseResult.GetValue(tenant)!, parseResult.GetValue(name)!);

    private static string NotFound(ResourceKey key) => $"error: service {key.Tenant}/{key.Name} not found";

    /// <summary>The service's document, or null after saying on stderr that there is none.</summary>
    private static async Task<BsonDocument?> FindServiceAsync(CliContext context, MongoServiceStore services, ResourceKey key, CancellationToken cancellationToken)
    {
        var document = await services.GetDocumentAsync(key, cancellationToken);
        if (document is null)
        {
            await context.Error.WriteLineAsync(NotFound(key));
        }

        return document;
    }

    /// <summary>Writes a user's change into the service's document; false, said on stderr, when the document has gone since it was read.</summary>
    private static async Task<bool> UpdateServiceAsync(
        CliContext context, MongoServiceStore services, ResourceKey key, UpdateDefinition<BsonDocument> update, CancellationToken cancellationToken)
    {
        var result = await services.Services.UpdateOneAsync(MongoServiceStore.KeyFilter(key), update, cancellationToken: cancellationToken);
        if (result.MatchedCount == 0)
        {
            await context.Error.WriteLineAsync(NotFound(key));
            return false;
        }

        return true;
    }

    private static Command History(CliApplication app, CliContext context)
    {
        var name = NameArgument();
        var tenant = TenantOption();
        var revision = new Option<long?>("--revision") { Description = "Show the spec of this revision (secrets masked)" };
        var command = new Command("history", "List the kept revisions of a ServiceSpec, newest last") { name, tenant, revision };
        command.SetAction(app.Guard(async (parseResult, cancellationToken) =>
        {
            var key = KeyOf(parseResult, name, tenant);
            using var connection = app.Globals.Connect(parseResult);
            var document = await FindServiceAsync(context, new MongoServiceStore(connection.Database), key, cancellationToken);
            if (document is null)
            {
                return CliApplication.Failed;
            }

            var revisions = await new MongoRevisionStore(connection.Database).ListAsync(key, cancellationToken);
            if (parseResult.GetValue(revision) is { } number)
            {
                return await ShowRevisionAsync(context, key, document, revisions, number);
            }

            if (revisions.Count == 0)
            {
                await context.Error.WriteLineAsync($"No revisions of {Display(key)} yet: the operator records one when it first rolls the spec out.");
                return CliApplication.Ok;
            }

            var now = context.Time.GetUtcNow();
            var current = ResourceWait.CurrentSpecHash(document);
            // While an automatic rollback holds, the operator runs the revision it went back to, not the newest one (the
            // failed spec, which the document still asks for).
            var rollback = current is not null && StatusDocumentMapper.TryRead(document.GetValue(DocumentFields.Status, BsonNull.Value))?.Rollout is { } rollout
                && rollout.HoldsFor(current)
                ? rollout
                : null;
            var table = new TextTable(new TextColumn("REVISION"), new TextColumn("CHANGE-CAUSE", MaxWidth: 40), new TextColumn("CREATED"),
                new TextColumn("IMAGE", MaxWidth: 32), new TextColumn("HASH"), new TextColumn("CURRENT"));
            foreach (var entry in revisions)
            {
                table.AddRow(
                    entry.Number.ToString(CultureInfo.InvariantCulture),
                    entry.ChangeCause,
                    entry.CreatedAt == DateTimeOffset.MinValue ? "-" : ServiceRow.Age(now - entry.CreatedAt),
                    entry.Spec.Image,
                    entry.SpecHash,
                    rollback is null ? (ReferenceEquals(entry, revisions[^1]) ? "*" : "")
                    : entry.Number == rollback.ToRevision ? "*"
                    : entry.SpecHash == rollback.FailedSpecHash ? "failed"
                    : "");
            }

            await table.WriteAsync(context.Output, wide: false);
            if (rollback is not null)
            {
                await context.Error.WriteLineAsync(
                    $"note: the document's spec (hash {rollback.FailedSpecHash}) failed to roll out ({rollback.Message}); the operator rolled back to "
                    + $"revision {rollback.ToRevision} and runs it until the spec changes (zpm apply, or zpm rollout undo)");
            }
            else if (current is not null && current != revisions[^1].SpecHash)
            {
                await context.Error.WriteLineAsync(
                    $"note: the document's spec (hash {current}) is not a revision yet: the operator has not rolled it out (is zpm run running?)");
            }

            return CliApplication.Ok;
        }));
        return command;
    }

    private static async Task<int> ShowRevisionAsync(
        CliContext context, ResourceKey key, BsonDocument document, IReadOnlyList<ServiceRevision> revisions, long number)
    {
        var revision = revisions.FirstOrDefault(r => r.Number == number);
        if (revision is null)
        {
            await context.Error.WriteLineAsync($"error: {UnknownRevision(key, number, revisions)}");
            return CliApplication.Failed;
        }

        // Masked by the document's own `zpm.secret-env` annotation, as `zpm describe` masks the current spec.
        var view = new BsonDocument
        {
            [DocumentFields.Metadata] = new BsonDocument
            {
                ["annotations"] = DocumentView.Metadata(document).GetValue("annotations", new BsonDocument()),
            },
            [DocumentFields.Spec] = ServiceSpecDocuments.ToSpecDocument(revision.Spec),
        };
        var masked = DocumentView.MaskService(view);
        await context.Output.WriteLineAsync($"{Display(key)} revision {revision.Number}");
        await context.Output.WriteLineAsync($"change-cause: {revision.ChangeCause}");
        await context.Output.WriteLineAsync($"created: {revision.CreatedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}");
        await context.Output.WriteLineAsync($"hash: {revision.SpecHash}");
        await context.Output.WriteLineAsync("spec:");
        foreach (var line in DocumentFormatter.ToYaml(masked[DocumentFields.Spec]).TrimEnd('\n').Split('\n'))
        {
            await context.Output.WriteLineAsync("  " + line);
        }

        return CliApplication.Ok;
    }

    private static string UnknownRevision(ResourceKey key, long number, IReadOnlyList<ServiceRevision> revisions) =>
        revisions.Count == 0
            ? $"{Display(key)} has no revisions yet (the operator records one when it first rolls the spec out)"
            : $"revision {number} of {Display(key)} is not kept; kept revisions: {string.Join(", ", revisions.Select(r => r.Number))}";

    private static Command Undo(CliApplication app, CliContext context)
    {
        var name = NameArgument();
        var tenant = TenantOption();
        var toRevision = new Option<long?>("--to-revision") { Description = "The revision to go back to (default: the one before the newest)" };
        var command = new Command("undo", "Write an earlier revision's spec back into the ServiceSpec; the operator rolls it out") { name, tenant, toRevision };
        command.SetAction(app.Guard(async (parseResult, cancellationToken) =>
        {
            var key = KeyOf(parseResult, name, tenant);
            using var connection = app.Globals.Connect(parseResult);
            var services = new MongoServiceStore(connection.Database);
            var document = await FindServiceAsync(context, services, key, cancellationToken);
            if (document is null)
            {
                return CliApplication.Failed;
            }

            var revisions = await new MongoRevisionStore(connection.Database).ListAsync(key, cancellationToken);
            ServiceRevision? target;
            if (parseResult.GetValue(toRevision) is { } number)
            {
                target = revisions.FirstOrDefault(r => r.Number == number);
                if (target is null)
                {
                    await context.Error.WriteLineAsync($"error: {UnknownRevision(key, number, revisions)}");
                    return CliApplication.Failed;
                }
            }
            else if (revisions.Count < 2)
            {
                await context.Error.WriteLineAsync(revisions.Count == 0
                    ? $"error: {Display(key)} has no revisions yet, so there is nothing to go back to"
                    : $"error: {Display(key)} has no previous revision to go back to (only revision {revisions[0].Number} is kept)");
                return CliApplication.Failed;
            }
            else
            {
                target = revisions[^2];
            }

            if (ResourceWait.CurrentSpecHash(document) == target.SpecHash)
            {
                await context.Output.WriteLineAsync($"{Display(key)} skipped: its spec already is revision {target.Number}");
                return CliApplication.Ok;
            }

            var cause = $"zpm rollout undo to revision {target.Number} by {app.Globals.Actor(parseResult)}";
            var update = Builders<BsonDocument>.Update
                .Set(DocumentFields.Spec, ServiceSpecDocuments.ToSpecDocument(target.Spec))
                .Set(AnnotationsField, WithAnnotations(document, (ChangeCause.Annotation, cause)));
            if (!await UpdateServiceAsync(context, services, key, update, cancellationToken))
            {
                return CliApplication.Failed;
            }

            await context.Output.WriteLineAsync($"{Display(key)} rolled back to revision {target.Number}");
            return CliApplication.Ok;
        }));
        return command;
    }

    private static Command Restart(CliApplication app, CliContext context)
    {
        var name = NameArgument();
        var tenant = TenantOption();
        var command = new Command("restart", "Replace every replica with the same spec, batch by batch as spec.update says") { name, tenant };
        command.SetAction(app.Guard(async (parseResult, cancellationToken) =>
        {
            var key = KeyOf(parseResult, name, tenant);
            using var connection = app.Globals.Connect(parseResult);
            var services = new MongoServiceStore(connection.Database);
            var document = await FindServiceAsync(context, services, key, cancellationToken);
            if (document is null)
            {
                return CliApplication.Failed;
            }

            var restartedAt = context.Time.GetUtcNow().UtcDateTime.ToString("O", CultureInfo.InvariantCulture);
            var update = Builders<BsonDocument>.Update.Set(AnnotationsField, WithAnnotations(
                document, (RolloutRestart.Annotation, restartedAt), (ChangeCause.Annotation, $"zpm rollout restart by {app.Globals.Actor(parseResult)}")));
            if (!await UpdateServiceAsync(context, services, key, update, cancellationToken))
            {
                return CliApplication.Failed;
            }

            await context.Output.WriteLineAsync($"{Display(key)} restarted");
            return CliApplication.Ok;
        }));
        return command;
    }

    private const string AnnotationsField = "metadata.annotations";

    /// <summary>
    /// The document's annotations with <paramref name="changes"/> set, written whole: the keys hold dots
    /// (`zpm.change-cause`), which an update path would read as nested fields.
    /// </summary>
    private static BsonDocument WithAnnotations(BsonDocument document, params (string Name, string Value)[] changes)
    {
        var annotations = DocumentView.Metadata(document).GetValue("annotations", BsonNull.Value) is BsonDocument stored
            ? stored.DeepClone().AsBsonDocument
            : [];
        foreach (var (name, value) in changes)
        {
            annotations[name] = value;
        }

        return annotations;
    }

    private static Command Status(CliApplication app, CliContext context)
    {
        var name = NameArgument();
        var tenant = TenantOption();
        var timeout = new Option<string?>("--timeout") { Description = "How long to wait at most: a duration (90s, 5m) or seconds; default 5m" };
        var command = new Command("status", "Wait until the ServiceSpec's current spec is rolled out; exit 1 when the rollout fails or times out") { name, tenant, timeout };
        command.SetAction(app.Guard(async (parseResult, cancellationToken) =>
        {
            var waitTimeout = ResourceWait.ParseTimeout(parseResult.GetValue(timeout));
            var key = KeyOf(parseResult, name, tenant);
            using var connection = app.Globals.Connect(parseResult);
            return await WaitForRolloutAsync(context, new MongoServiceStore(connection.Database), key, waitTimeout, cancellationToken);
        }));
        return command;
    }

    /// <summary>
    /// Follows a ServiceSpec until the operator has rolled out the spec the document holds: its status names that spec's
    /// hash, is Running and has every desired replica ready (exit 0). Exit 1 when the status, for that spec, is Degraded
    /// with a failed rollout (<see cref="FailedRolloutReasons"/>) and no automatic rollback is still under way (so the
    /// error says whether the previous revision serves again), when the document goes, or at the timeout. A line is
    /// printed whenever the progress changes. Other Degraded states (a replica restarting) are waited out, as kubectl
    /// waits until the progress deadline.
    /// </summary>
    public static async Task<int> WaitForRolloutAsync(CliContext context, MongoServiceStore services, ResourceKey key, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = context.Time.GetUtcNow() + timeout;
        string? shown = null;
        while (true)
        {
            var document = await services.GetDocumentAsync(key, cancellationToken);
            if (document is null)
            {
                await context.Error.WriteLineAsync(shown is null ? NotFound(key) : $"error: {Display(key)} no longer exists");
                return CliApplication.Failed;
            }

            var status = DocumentView.Status(document);
            var phase = DocumentView.Text(status, "phase", nameof(ResourcePhase.Pending));
            var message = DocumentView.Text(status, "message").ReplaceLineEndings(" ");
            var replicas = status?.GetValue("replicas", BsonNull.Value) as BsonDocument;
            var ready = DocumentView.Text(replicas, "ready", "0");
            var desired = DocumentView.Text(replicas, "desired", "0");
            var current = ResourceWait.StatusIsForCurrentSpec(document);
            var failure = FailedRolloutReason(status);
            // While the operator puts the previous revision back the outcome is not known yet: exit once the rollback has
            // finished or paused, so the error says whether the old version serves again.
            var rollingBack = DocumentView.Text(status?.GetValue("rollout", BsonNull.Value) as BsonDocument, "state") == nameof(RolloutState.RollingBack);
            // A rollback replaces the spec that failed, so its status need not name the document's spec.
            if (failure is not null && !rollingBack && (current || failure != PlanOutcome.Reasons.RolloutStalled) && phase == nameof(ResourcePhase.Degraded))
            {
                await context.Error.WriteLineAsync($"error: {Display(key)} rollout failed ({failure}): {(message.Length > 0 ? message : "no message")}");
                return CliApplication.Failed;
            }

            if (current && phase == nameof(ResourcePhase.Running) && ready == desired)
            {
                await context.Output.WriteLineAsync($"{Display(key)} successfully rolled out ({ready}/{desired} ready)");
                return CliApplication.Ok;
            }

            var line = rollingBack
                ? $"Rollout failed, waiting for the rollback to finish ({phase}{(message.Length > 0 ? ": " + message : "")})..."
                : current
                ? $"Waiting for rollout to finish: {ready} of {desired} replicas are ready ({phase}{(message.Length > 0 ? ": " + message : "")})..."
                : "Waiting for rollout to finish: the operator has not picked up the current spec yet...";
            if (line != shown)
            {
                shown = line;
                await context.Output.WriteLineAsync(line);
                await context.Output.FlushAsync(cancellationToken);
            }

            if (context.Time.GetUtcNow() >= deadline)
            {
                await context.Error.WriteLineAsync(
                    $"error: {Display(key)} timed out after {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s: {phase} ({ready}/{desired} ready){(message.Length > 0 ? ": " + message : "")}; is the operator (zpm run) running?");
                return CliApplication.Failed;
            }

            await Task.Delay(ResourceWait.PollInterval, context.Time, cancellationToken);
        }
    }

    private static string? FailedRolloutReason(BsonDocument? status) =>
        (status?.GetValue("conditions", BsonNull.Value) as BsonArray ?? [])
            .OfType<BsonDocument>()
            .Select(condition => DocumentView.Text(condition, "reason"))
            .FirstOrDefault(FailedRolloutReasons.Contains);
}
