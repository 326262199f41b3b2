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
/// </summary>
public static class ApplyCommand
{
    public static Command Create(CliApplication app, CliContext context)
    {
        var file = new Option<string>("--filename", "-f") { Description = "A YAML/JSON file or a directory of them", Required = true };
        var wait = new Option<bool>("--wait") { Description = "Then wait until every applied resource is Running; exit 1 with its message when one is Degraded" };
        var timeout = new Option<string?>("--timeout") { Description = "How long --wait waits at most: a duration (90s, 5m) or seconds; default 5m" };
        var command = new Command("apply", "Create or update ServiceSpecs, IntegrationDefinitions, Tenants and IntegrationSpecs from YAML/JSON manifests (idempotent)") { file, wait, timeout };
        command.SetAction(app.Guard(async (parseResult, cancellationToken) =>
        {
            var waitTimeout = ResourceWait.ParseTimeout(parseResult.GetValue(timeout));
            using var connection = app.Globals.Connect(parseResult);
            var applied = new List<AppliedResource>();
            var appliedAt = context.Time.GetUtcNow();
            var exitCode = await ApplyPathAsync(context, connection.Database, parseResult.GetValue(file)!, cancellationToken, applied);
            return exitCode != CliApplication.Ok || !parseResult.GetValue(wait)
                ? exitCode
                : await ResourceWait.WaitAsync(context, connection.Database, applied, appliedAt, waitTimeout, cancellationToken);
        }));
        return command;
    }

    /// <summary>
    /// Applies every manifest under <paramref name="path"/>; returns the exit code (1 if any document was bad). Each
    /// resource written is added to <paramref name="applied"/> when given.
    /// </summary>
    public static async Task<int> ApplyPathAsync(
        CliContext context, IMongoDatabase database, string path, CancellationToken cancellationToken, List<AppliedResource>? applied = null)
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
                var outcome = await store.ApplyAsync(spec!, manifest.Document![DocumentFields.Spec].AsBsonDocument, cancellationToken);
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

    private static string? Check(ManifestDocument manifest, ServiceDocumentMapper mapper, out ServiceSpec? spec)
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
