using System.CommandLine;
using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Cli.Output;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Releases;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>
/// `zpm get events [-t tenant] [--for KIND/NAME] [--limit N] [-o table|wide|json|yaml] [--no-headers] [--watch]`: what the
/// operator recorded (the `events` collection, kept 7 days), oldest first like `kubectl get events`, the newest
/// <c>--limit</c> of them.
/// </summary>
public static class EventGetCommand
{
    private static readonly TextColumn[] Columns =
    [
        new("TENANT"), new("LAST SEEN"), new("TYPE"), new("REASON"), new("OBJECT"), new("MESSAGE", MaxWidth: 40),
        new("TIME", WideOnly: true),
    ];

    /// <summary>Short names a user types for --for, by kind (kubectl accepts `svc/web` as well as `service/web`).</summary>
    private static readonly Dictionary<string, string> KindNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["servicespec"] = ServiceSpec.KindName,
        ["service"] = ServiceSpec.KindName,
        ["svc"] = ServiceSpec.KindName,
        ["integrationspec"] = IntegrationSpec.KindName,
        ["integration"] = IntegrationSpec.KindName,
        ["tenant"] = Tenant.KindName,
        ["integrationdefinition"] = IntegrationDefinition.KindName,
        ["catalog"] = IntegrationDefinition.KindName,
        ["release"] = Release.KindName,
    };

    public static Command Create(CliApplication app, CliContext context)
    {
        var tenant = new Option<string?>("--tenant", "-t") { Description = "Only events of this tenant's resources" };
        var about = new Option<string?>("--for") { Description = "Only events of one resource, KIND/NAME (service/web, integration/siem, tenant/acme, release/r1)" };
        var limit = new Option<int>("--limit") { Description = "Show at most the newest N events", DefaultValueFactory = _ => 500 };
        var list = new ListOptions();
        var command = new Command("events", "List the events the operator recorded") { tenant, about, limit };
        list.AddTo(command);
        command.Aliases.Add("event");
        command.Aliases.Add("ev");
        command.SetAction(app.Guard(async (parseResult, cancellationToken) =>
        {
            var request = list.Read(parseResult);
            if (parseResult.GetValue(limit) < 1)
            {
                throw new CliUsageException("--limit must be at least 1");
            }

            var filter = Filter(parseResult.GetValue(tenant), parseResult.GetValue(about));
            using var connection = app.Globals.Connect(parseResult);
            var events = connection.Database.GetCollection<BsonDocument>(ZpmCollections.Events);
            var source = new ResourceTable(
                "events",
                Columns,
                events,
                async token =>
                {
                    var newest = await events.Find(filter)
                        .Sort(Builders<BsonDocument>.Sort.Descending(EventDocuments.Time).Descending("_id"))
                        .Limit(parseResult.GetValue(limit))
                        .ToListAsync(token);
                    newest.Reverse();
                    return newest;
                },
                (recorded, _) => Task.FromResult(Matches(recorded, parseResult.GetValue(tenant), parseResult.GetValue(about)) ? recorded : null),
                recorded => Row(recorded, context.Time.GetUtcNow()));
            return await ResourceListing.RunAsync(context, request, source, cancellationToken);
        }));
        return command;
    }

    private static (string Kind, string Name)? ParseFor(string? about)
    {
        if (about is null)
        {
            return null;
        }

        var slash = about.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == about.Length - 1 || !KindNames.TryGetValue(about[..slash], out var kind))
        {
            throw new CliUsageException(
                $"--for '{about}' must be KIND/NAME with KIND one of {string.Join(", ", KindNames.Keys.Order(StringComparer.Ordinal))}");
        }

        return (kind, about[(slash + 1)..]);
    }

    private static FilterDefinition<BsonDocument> Filter(string? tenant, string? about)
    {
        var filters = new List<FilterDefinition<BsonDocument>>();
        if (tenant is not null)
        {
            filters.Add(Builders<BsonDocument>.Filter.Eq("resource.tenant", tenant));
        }

        if (ParseFor(about) is { } resource)
        {
            filters.Add(Builders<BsonDocument>.Filter.Eq("resource.kind", resource.Kind));
            filters.Add(Builders<BsonDocument>.Filter.Eq("resource.name", resource.Name));
        }

        return filters.Count == 0 ? FilterDefinition<BsonDocument>.Empty : Builders<BsonDocument>.Filter.And(filters);
    }

    private static bool Matches(BsonDocument recorded, string? tenant, string? about)
    {
        var resource = EventDocuments.FromDocument(recorded).Resource;
        return (tenant is null || resource.Tenant == tenant)
            && (ParseFor(about) is not { } wanted || (resource.Kind == wanted.Kind && resource.Name == wanted.Name));
    }

    /// <summary>The short kind --for takes (service/web), so an OBJECT can be pasted back into --for.</summary>
    private static string ObjectKind(string kind) => kind switch
    {
        ServiceSpec.KindName => "service",
        IntegrationSpec.KindName => "integration",
        IntegrationDefinition.KindName => "catalog",
        _ => kind.ToLowerInvariant(),
    };

    private static string[] Row(BsonDocument recorded, DateTimeOffset now)
    {
        var resourceEvent = EventDocuments.FromDocument(recorded);
        var known = resourceEvent.Time != DateTimeOffset.MinValue;
        return
        [
            resourceEvent.Resource.Tenant,
            known ? ServiceRow.Age(now - resourceEvent.Time) : "-",
            resourceEvent.Type.ToString(),
            resourceEvent.Reason,
            $"{ObjectKind(resourceEvent.Resource.Kind)}/{resourceEvent.Resource.Name}",
            resourceEvent.Message,
            known ? resourceEvent.Time.ToString("u", System.Globalization.CultureInfo.InvariantCulture) : "-",
        ];
    }
}
