using System.CommandLine;
using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Cli.Manifests;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>
/// `zpm apply -f file|dir`: validates every document first (shape, then the domain rules), reports each bad one by
/// file and index, and upserts the good ones — metadata and spec only, never status. Exit code 1 if any was bad.
/// </summary>
public static class ApplyCommand
{
    public static Command Create(CliApplication app, CliContext context)
    {
        var file = new Option<string>("--filename", "-f") { Description = "A YAML/JSON file or a directory of them", Required = true };
        var command = new Command("apply", "Create or update ServiceSpecs from YAML/JSON manifests (idempotent)") { file };
        command.SetAction(app.Guard(async (parseResult, cancellationToken) =>
        {
            using var connection = app.Globals.Connect(parseResult);
            return await ApplyPathAsync(context, connection.Database, parseResult.GetValue(file)!, cancellationToken);
        }));
        return command;
    }

    /// <summary>Applies every manifest under <paramref name="path"/>; returns the exit code (1 if any document was bad).</summary>
    public static async Task<int> ApplyPathAsync(CliContext context, IMongoDatabase database, string path, CancellationToken cancellationToken)
    {
        var documents = ManifestReader.Read(path);
        if (documents.Count == 0)
        {
            await context.Error.WriteLineAsync($"error: no manifests found in {path} (expected *.yaml, *.yml or *.json)");
            return CliApplication.Failed;
        }

        var mapper = new ServiceDocumentMapper();
        var store = new MongoServiceStore(database);
        var failures = 0;
        foreach (var manifest in documents)
        {
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
            return $"kind must be \"{ServiceSpec.KindName}\" (the only kind apply supports), got {(kind.IsString ? "\"" + kind.AsString + "\"" : "none")}";
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
