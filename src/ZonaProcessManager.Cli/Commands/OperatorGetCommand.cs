using System.CommandLine;
using MongoDB.Bson;
using MongoDB.Driver;
using Spectre.Console;
using ZonaProcessManager.Cli.Output;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Mongo.Leases;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>
/// `zpm get operators [-o table|json|yaml]`: every running operator instance (its `operators` record) with whether it
/// leads its scope now (the scope's lease names it and has not expired), the lease's expiry and last renewal, its
/// version and when it last wrote its record. An instance that stopped without removing its record shows an old LAST SEEN.
/// </summary>
public static class OperatorGetCommand
{
    public static Command Create(CliApplication app, CliContext context)
    {
        var output = new Option<string>("--output", "-o") { Description = "table, json or yaml", DefaultValueFactory = _ => "table" };
        output.AcceptOnlyFromAmong("table", "json", "yaml");
        var command = new Command("operators", "List running operator instances: leader or standby per scope, lease expiry, last renewal, version") { output };
        command.Aliases.Add("operator");
        command.SetAction(app.Guard(async (parseResult, cancellationToken) =>
        {
            using var connection = app.Globals.Connect(parseResult);
            var leases = (await connection.Database.GetCollection<BsonDocument>(ZpmCollections.Leases).Find(FilterDefinition<BsonDocument>.Empty).ToListAsync(cancellationToken))
                .ToDictionary(lease => lease["_id"].ToString()!, StringComparer.Ordinal);
            var instances = await connection.Database.GetCollection<BsonDocument>(ZpmCollections.Operators)
                .Find(FilterDefinition<BsonDocument>.Empty)
                .Sort(Builders<BsonDocument>.Sort.Ascending(LeaseFields.Lease).Ascending("_id"))
                .ToListAsync(cancellationToken);
            var now = DateTime.UtcNow;
            foreach (var instance in instances)
            {
                var lease = leases.GetValueOrDefault(Text(instance, LeaseFields.Lease));
                instance[LeaseFields.State] = Leads(instance, lease, now) ? LeaseFields.LeaderState : LeaseFields.StandbyState;
            }

            switch (parseResult.GetValue(output))
            {
                case "json":
                    await context.Output.WriteLineAsync(DocumentFormatter.ToJson(instances));
                    return CliApplication.Ok;
                case "yaml":
                    await context.Output.WriteAsync(DocumentFormatter.ToYaml(new BsonArray(instances)));
                    return CliApplication.Ok;
            }

            if (instances.Count == 0)
            {
                await context.Output.WriteLineAsync("No operators found.");
                return CliApplication.Ok;
            }

            var table = new Table().Border(TableBorder.Simple);
            foreach (var header in new[] { "INSTANCE", "SCOPE", "ROLE", "STATE", "GENERATION", "LEASE EXPIRES", "LAST RENEW", "VERSION", "LAST SEEN" })
            {
                table.AddColumn(new TableColumn(header).NoWrap());
            }

            foreach (var instance in instances)
            {
                var lease = leases.GetValueOrDefault(Text(instance, LeaseFields.Lease));
                var leads = instance[LeaseFields.State] == LeaseFields.LeaderState;
                table.AddRow(
                    Markup.Escape(instance["_id"].ToString()!),
                    Markup.Escape(Text(instance, LeaseFields.Lease)),
                    Markup.Escape(Text(instance, LeaseFields.Role)),
                    Markup.Escape(instance[LeaseFields.State].AsString),
                    leads ? lease![LeaseFields.Generation].ToString()! : "-",
                    leads && Time(lease!, LeaseFields.ExpiresAt) is { } expires ? "in " + ServiceRow.Age(expires - now) : "-",
                    leads && Time(lease!, LeaseFields.RenewedAt) is { } renewed ? ServiceRow.Age(now - renewed) + " ago" : "-",
                    Markup.Escape(Text(instance, LeaseFields.Version)),
                    Time(instance, LeaseFields.LastSeenAt) is { } seen ? ServiceRow.Age(now - seen) + " ago" : "-");
            }

            context.Console.Write(table);
            return CliApplication.Ok;
        }));
        return command;
    }

    // This reader's clock judges the expiry only for display; the election itself never uses a client's clock.
    private static bool Leads(BsonDocument instance, BsonDocument? lease, DateTime now) =>
        lease is not null
        && lease.GetValue(LeaseFields.Holder, BsonNull.Value) is { IsString: true } holder
        && holder.AsString == instance["_id"].ToString()
        && Time(lease, LeaseFields.ExpiresAt) is { } expires && expires > now;

    private static string Text(BsonDocument document, string field) =>
        document.GetValue(field, BsonNull.Value) is { IsString: true } text ? text.AsString : "-";

    private static DateTime? Time(BsonDocument document, string field) =>
        document.GetValue(field, BsonNull.Value) is { IsValidDateTime: true } time ? time.ToUniversalTime() : null;
}
