using System.CommandLine;
using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Cli.Output;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Mongo.Leases;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>
/// `zpm get operators [-o table|wide|json|yaml] [--no-headers] [--watch]`: every running operator instance (its `operators` record) with whether it
/// leads its scope now (the scope's lease names it and has not expired), the lease's expiry and last renewal, its
/// version and when it last wrote its record. An instance that stopped without removing its record shows an old LAST SEEN.
/// </summary>
public static class OperatorGetCommand
{
    private static readonly TextColumn[] Columns =
    [
        new("INSTANCE"), new("SCOPE"), new("ROLE"), new("STATE"), new("GENERATION"), new("LEASE EXPIRES"), new("LAST RENEW"), new("LAST SEEN"),
        new("VERSION", WideOnly: true),
    ];

    public static Command Create(CliApplication app, CliContext context)
    {
        var list = new ListOptions();
        var command = new Command("operators", "List running operator instances: leader or standby per scope, lease expiry, last renewal, version");
        list.AddTo(command);
        command.Aliases.Add("operator");
        command.SetAction(app.Guard(async (parseResult, cancellationToken) =>
        {
            var request = list.Read(parseResult);
            using var connection = app.Globals.Connect(parseResult);
            var leasesCollection = connection.Database.GetCollection<BsonDocument>(ZpmCollections.Leases);
            var operators = connection.Database.GetCollection<BsonDocument>(ZpmCollections.Operators);
            async Task<Dictionary<string, BsonDocument>> LeasesAsync(CancellationToken token) =>
                (await leasesCollection.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync(token))
                    .ToDictionary(lease => lease["_id"].ToString()!, StringComparer.Ordinal);

            // The lease decides leader or standby; a watched change to an operator record reads the leases again.
            var leases = new Dictionary<string, BsonDocument>(StringComparer.Ordinal);
            BsonDocument WithState(BsonDocument instance)
            {
                var lease = leases.GetValueOrDefault(Text(instance, LeaseFields.Lease));
                instance[LeaseFields.State] = Leads(instance, lease, context.Time.GetUtcNow().UtcDateTime) ? LeaseFields.LeaderState : LeaseFields.StandbyState;
                return instance;
            }

            var source = new ResourceTable(
                "operators",
                Columns,
                operators,
                async token =>
                {
                    leases = await LeasesAsync(token);
                    return [.. (await operators.Find(FilterDefinition<BsonDocument>.Empty)
                        .Sort(Builders<BsonDocument>.Sort.Ascending(LeaseFields.Lease).Ascending("_id"))
                        .ToListAsync(token)).Select(WithState)];
                },
                async (instance, token) =>
                {
                    leases = await LeasesAsync(token);
                    return WithState(instance);
                },
                instance => Row(instance, leases.GetValueOrDefault(Text(instance, LeaseFields.Lease)), context.Time.GetUtcNow().UtcDateTime));
            return await ResourceListing.RunAsync(context, request, source, cancellationToken);
        }));
        return command;
    }

    private static string[] Row(BsonDocument instance, BsonDocument? lease, DateTime now)
    {
        var leads = instance[LeaseFields.State] == LeaseFields.LeaderState;
        return
        [
            instance["_id"].ToString()!,
            Text(instance, LeaseFields.Lease),
            Text(instance, LeaseFields.Role),
            instance[LeaseFields.State].AsString,
            leads ? lease![LeaseFields.Generation].ToString()! : "-",
            leads && Time(lease!, LeaseFields.ExpiresAt) is { } expires ? "in " + ServiceRow.Age(expires - now) : "-",
            leads && Time(lease!, LeaseFields.RenewedAt) is { } renewed ? ServiceRow.Age(now - renewed) + " ago" : "-",
            Time(instance, LeaseFields.LastSeenAt) is { } seen ? ServiceRow.Age(now - seen) + " ago" : "-",
            Text(instance, LeaseFields.Version),
        ];
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
