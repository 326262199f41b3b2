using System.CommandLine;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Mongo;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>
/// `zpm delete service &lt;name&gt; [-t tenant] [--wait]`: marks metadata.deletionRequested; the operator tears the
/// containers down, shows phase Removed and then removes the document, which is what --wait waits for.
/// </summary>
public static class DeleteCommand
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    public static Command Create(CliApplication app, CliContext context)
    {
        var delete = new Command("delete", "Delete a resource (the operator removes its containers first)");
        var name = new Argument<string>("name") { Description = "Service name" };
        var tenant = new Option<string>("--tenant", "-t") { Description = "Tenant", DefaultValueFactory = _ => ResourceKey.DefaultTenant };
        var wait = new Option<bool>("--wait") { Description = "Wait until the operator has removed the containers and the document" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds --wait waits at most", DefaultValueFactory = _ => 300 };
        var service = new Command("service", "Request deletion of a ServiceSpec") { name, tenant, wait, timeout };
        service.Aliases.Add("services");
        service.Aliases.Add("svc");
        service.SetAction(app.Guard(async (parseResult, cancellationToken) =>
        {
            var key = new ResourceKey(ServiceSpec.KindName, parseResult.GetValue(tenant)!, parseResult.GetValue(name)!);
            using var connection = app.Globals.Connect(parseResult);
            var store = new MongoServiceStore(connection.Database);
            if (!await store.RequestDeletionAsync(key, cancellationToken))
            {
                await context.Error.WriteLineAsync($"error: service {key.Tenant}/{key.Name} not found");
                return CliApplication.Failed;
            }

            await context.Output.WriteLineAsync($"servicespec/{key.Tenant}/{key.Name} deletion requested");
            if (!parseResult.GetValue(wait))
            {
                return CliApplication.Ok;
            }

            var deadline = context.Time.GetUtcNow().AddSeconds(parseResult.GetValue(timeout));
            while (await store.GetDocumentAsync(key, cancellationToken) is not null)
            {
                if (context.Time.GetUtcNow() >= deadline)
                {
                    await context.Error.WriteLineAsync($"error: servicespec/{key.Tenant}/{key.Name} still exists after {parseResult.GetValue(timeout)} s; is the operator (zpm run) running?");
                    return CliApplication.Failed;
                }

                await Task.Delay(PollInterval, context.Time, cancellationToken);
            }

            await context.Output.WriteLineAsync($"servicespec/{key.Tenant}/{key.Name} deleted");
            return CliApplication.Ok;
        }));
        delete.Subcommands.Add(service);
        return delete;
    }
}
