using System.CommandLine;
using ZonaProcessManager.Mongo;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>`zpm install`: collections, $jsonSchema validators and indexes; safe to run any number of times.</summary>
public static class InstallCommand
{
    public static Command Create(CliApplication app, CliContext context)
    {
        var command = new Command("install", "Create the zpm collections, their $jsonSchema validators and indexes (idempotent)");
        var isolationOptions = new IsolationOptions();
        isolationOptions.AddTo(command);
        command.SetAction(app.Guard(async (parseResult, cancellationToken) =>
        {
            var isolation = isolationOptions.Parse(parseResult);
            using var connection = app.Globals.Connect(parseResult);
            var report = await new SchemaInstaller(connection.Database, isolation: isolation).InstallAsync(cancellationToken);
            var database = connection.Database.DatabaseNamespace.DatabaseName;
            foreach (var collection in SchemaInstaller.Definitions)
            {
                var created = report.CreatedCollections.Contains(collection.Name) ? "created" : "exists";
                var validator = report.ValidatedCollections.Contains(collection.Name) ? ", validator applied" : "";
                await context.Output.WriteLineAsync($"collection {database}.{collection.Name}: {created}{validator}");
            }

            foreach (var index in report.Indexes)
            {
                await context.Output.WriteLineAsync($"index {database}.{index}: ok");
            }

            return CliApplication.Ok;
        }));
        return command;
    }
}
