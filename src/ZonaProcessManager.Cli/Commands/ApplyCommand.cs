using System.CommandLine;
using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Cli.Integrations;
using ZonaProcessManager.Cli.Manifests;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Releases;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>
/// `zpm apply -f file|dir`: validates every document first (shape, then the domain rules), reports each bad one by
/// file and index, and upserts the good ones — metadata and spec only, never status. Exit code 1 if any was bad.
/// Kinds: ServiceSpec (services), IntegrationDefinition (catalog), Tenant (tenants), IntegrationSpec (integrations),
/// Release (releases).
/// `--wait` then follows the applied resources' status (<see cref="ResourceWait"/>); it waits only when all were good.
/// `--dry-run` writes nothing and prints what `zpm diff` prints (<see cref="DiffCommand"/>), each header marked "(dry run)".
/// </summary>
public static class ApplyCommand
{
    public static Command Create(CliApplication app, CliContext context)
    {
        var file = new Option<string>("--filename", "-f") { Description = "A YAML/JSON file or a directory of them", Required = true };
        var wait = new Option<bool>("--wait") { Description = "Then wait until every applied resource is Running; exit 1 with its message when one is Degraded" };
        var timeout = new Option<string?>("--timeout") { Description = "How long --wait waits at most: a duration (90s, 5m) or seconds; default 5m" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Write nothing: print what `zpm diff` prints (field changes, secrets masked, and what the operator would do); exit codes stay apply's" };
        var command = new Command("apply", "Create or update ServiceSpecs, IntegrationDefinitions, Tenants and IntegrationSpecs from YAML/JSON manifests (idempotent)") { file, wait, timeout, dryRun };
        command.SetAction(app.Guard(async (parseResult, cancellationToken) =>
        {
            if (parseResult.GetValue(dryRun))
            {
                if (parseResult.GetValue(wait))
                {
                    throw new CliUsageException("--dry-run writes nothing, so there is nothing for --wait to wait for");
                }

                using var dryRunConnection = app.Globals.Connect(parseResult);
                var summary = await DiffCommand.DiffAsync(
                    context, dryRunConnection.Database, parseResult.GetValue(file)!, DiffCommand.AutoRuntime(context), ChangeCauseOf(app, parseResult), dryRun: true, cancellationToken);
                return summary.Failed == 0 ? CliApplication.Ok : CliApplication.Failed;
            }

            var waitTimeout = ResourceWait.ParseTimeout(parseResult.GetValue(timeout));
            using var connection = app.Globals.Connect(parseResult);
            var applied = new List<AppliedResource>();
            var appliedAt = context.Time.GetUtcNow();
            var exitCode = await ApplyPathAsync(context, connection.Database, parseResult.GetValue(file)!, ChangeCauseOf(app, parseResult), cancellationToken, applied);
            return exitCode != CliApplication.Ok || !parseResult.GetValue(wait)
                ? exitCode
                : await ResourceWait.WaitAsync(context, connection.Database, applied, appliedAt, waitTimeout, cancellationToken);
        }));
        return command;
    }

    /// <summary>
    /// Applies every manifest under <paramref name="path"/>; returns the exit code (1 if any document was bad). Each
    /// resource written is added to <paramref name="applied"/> when given. A ServiceSpec whose spec changes gets
    /// <paramref name="changeCause"/> as its `zpm.change-cause` unless its manifest names one (<see cref="AnnotationsToWrite"/>).
    /// </summary>
    public static async Task<int> ApplyPathAsync(
        CliContext context, IMongoDatabase database, string path, string changeCause, CancellationToken cancellationToken, List<AppliedResource>? applied = null)
    {
        var documents = ManifestReader.Read(path);
        if (documents.Count == 0)
        {
            await context.Error.WriteLineAsync($"error: no manifests found in {path} (expected *.yaml, *.yml or *.json)");
            return CliApplication.Failed;
        }

        var mapper = new ServiceDocumentMapper();
        var store = new MongoServiceStore(database);
        var integrations = new IntegrationDocuments(database);
        var failures = 0;
        foreach (var manifest in documents)
        {
            if (manifest.Document?.GetValue(DocumentFields.Kind, BsonNull.Value) is { IsString: true } kindValue
                && IntegrationManifests.Kinds.Contains(kindValue.AsString))
            {
                failures += await ApplyIntegrationKindAsync(context, integrations, manifest, applied, cancellationToken) ? 0 : 1;
                continue;
            }

            if (manifest.Document?.GetValue(DocumentFields.Kind, BsonNull.Value) is { IsString: true, AsString: Release.KindName })
            {
                failures += await ReleaseCommand.ApplyOneAsync(context, database, manifest, cancellationToken) ? 0 : 1;
                continue;
            }

            var problem = Check(manifest, mapper, out var spec);
            if (problem is not null)
            {
                failures++;
                await context.Error.WriteLineAsync($"error: {manifest.Location}: {problem}");
                continue;
            }

            try
            {
                var specDocument = manifest.Document![DocumentFields.Spec].AsBsonDocument;
                var existing = await store.GetDocumentAsync(spec!.Key, cancellationToken);
                var annotations = AnnotationsToWrite(spec.Metadata.Annotations, specDocument, existing, changeCause);
                var outcome = await store.ApplyAsync(spec with { Metadata = spec.Metadata with { Annotations = annotations } }, specDocument, cancellationToken);
                await context.Output.WriteLineAsync($"servicespec/{spec!.Metadata.Tenant}/{spec.Metadata.Name} {outcome.ToString().ToLowerInvariant()}");
                applied?.Add(new AppliedResource(ServiceSpec.KindName, spec.Metadata.Tenant, spec.Metadata.Name, outcome));
            }
            catch (MongoWriteException exception)
            {
                // E.g. the collection's validator refused it: report this one, keep applying the others.
                failures++;
                await context.Error.WriteLineAsync($"error: {manifest.Location}: rejected by MongoDB: {exception.WriteError.Message}");
            }
        }

        return failures == 0 ? CliApplication.Ok : CliApplication.Failed;
    }

    /// <summary>The change cause a spec changed by `zpm apply` records: who applied it.</summary>
    public static string ChangeCauseOf(CliApplication app, ParseResult parseResult) => $"zpm apply by {app.Globals.Actor(parseResult)}";

    /// <summary>
    /// The annotations apply writes: the manifest's, plus what the manifest leaves out but must not be lost. A spec that
    /// changes gets <paramref name="changeCause"/> (its revision says who changed it); an unchanged spec keeps the stored
    /// cause, so applying the same manifest again writes nothing and stays "unchanged" whoever applies it. The
    /// `zpm rollout restart` annotation is kept: dropping it would change the replica hash and restart every replica
    /// again. A manifest that sets either annotation itself wins.
    /// </summary>
    public static IReadOnlyDictionary<string, string> AnnotationsToWrite(
        IReadOnlyDictionary<string, string> fromManifest, BsonDocument specDocument, BsonDocument? stored, string changeCause)
    {
        var annotations = new Dictionary<string, string>(fromManifest, StringComparer.Ordinal);
        var storedAnnotations = stored is null ? null : DocumentView.Metadata(stored).GetValue("annotations", BsonNull.Value) as BsonDocument;
        if (!annotations.ContainsKey(RolloutRestart.Annotation)
            && storedAnnotations?.GetValue(RolloutRestart.Annotation, BsonNull.Value) is { IsString: true } restartedAt)
        {
            annotations[RolloutRestart.Annotation] = restartedAt.AsString;
        }

        if (!annotations.ContainsKey(ChangeCause.Annotation))
        {
            var specUnchanged = stored is not null && DocumentView.Spec(stored) is { } storedSpec && storedSpec.Equals(specDocument);
            if (!specUnchanged)
            {
                annotations[ChangeCause.Annotation] = changeCause;
            }
            else if (storedAnnotations?.GetValue(ChangeCause.Annotation, BsonNull.Value) is { IsString: true } storedCause)
            {
                annotations[ChangeCause.Annotation] = storedCause.AsString;
            }
        }

        // The keys apply adds go in the order the stored document has them (a `rollout restart` appends its own), so
        // an unchanged document is rewritten byte for byte and MongoDB reports no modification.
        var position = storedAnnotations?.Names.Select((name, index) => (name, index)).ToDictionary(p => p.name, p => p.index, StringComparer.Ordinal)
            ?? new Dictionary<string, int>(StringComparer.Ordinal);
        var added = annotations.Keys.Where(key => !fromManifest.ContainsKey(key)).OrderBy(key => position.GetValueOrDefault(key, int.MaxValue)).ToList();
        var ordered = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in fromManifest.Keys.Concat(added))
        {
            ordered[key] = annotations[key];
        }

        return ordered;
    }

    private static async Task<bool> ApplyIntegrationKindAsync(
        CliContext context, IntegrationDocuments integrations, ManifestDocument manifest, List<AppliedResource>? applied, CancellationToken cancellationToken)
    {
        var checkedManifest = IntegrationManifests.Check(manifest.Document!, out var problem);
        if (checkedManifest is null)
        {
            await context.Error.WriteLineAsync($"error: {manifest.Location}: {problem}");
            return false;
        }

        try
        {
            var outcome = await integrations.ApplyAsync(checkedManifest, cancellationToken);
            await context.Output.WriteLineAsync($"{checkedManifest.Display} {outcome.ToString().ToLowerInvariant()}");
            applied?.Add(new AppliedResource(checkedManifest.Kind, checkedManifest.Tenant, checkedManifest.Name, outcome));
            return true;
        }
        catch (MongoWriteException exception)
        {
            await context.Error.WriteLineAsync($"error: {manifest.Location}: {checkedManifest.Display} rejected by MongoDB: {exception.WriteError.Message}");
            return false;
        }
    }

    /// <summary>Null and the ServiceSpec when the manifest is a valid one, else the problem (`zpm diff` checks the same way).</summary>
    internal static string? Check(ManifestDocument manifest, ServiceDocumentMapper mapper, out ServiceSpec? spec)
    {
        spec = null;
        if (manifest.Document is null)
        {
            return manifest.Error;
        }

        var kind = manifest.Document.GetValue(DocumentFields.Kind, BsonNull.Value);
        if (!kind.IsString || kind.AsString != ServiceSpec.KindName)
        {
            var known = string.Join(", ", new[] { ServiceSpec.KindName }.Concat(IntegrationManifests.Kinds.Order(StringComparer.Ordinal)).Append(Release.KindName));
            var name = manifest.Document.GetValue(DocumentFields.Metadata, BsonNull.Value) is BsonDocument metadata && metadata.GetValue("name", BsonNull.Value) is { IsString: true } nameValue
                ? nameValue.AsString + ": "
                : "";
            return $"{name}kind must be one of {known}, got {(kind.IsString ? "\"" + kind.AsString + "\"" : "none")}";
        }

        var stored = mapper.Read(manifest.Document);
        if (stored.Spec is null)
        {
            return $"{stored.Key.Tenant}/{stored.Key.Name}: {stored.InvalidReason}";
        }

        spec = stored.Spec;
        return null;
    }
}
