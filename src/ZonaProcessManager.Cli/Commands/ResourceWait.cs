using System.Globalization;
using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Cli.Integrations;
using ZonaProcessManager.Domain.Hashing;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>
/// `--wait` of `apply` and `tenant onboard`: follows the status the operator writes for each applied resource until
/// every one is Running (exit 0), one is Degraded (exit 1 with its message), one disappears, or the timeout passes
/// (exit 1 naming what is not Running yet). A line is printed whenever a resource's phase or message changes, so a
/// pipe reads the same progress as a terminal. The status of the spec before the apply must not be taken for the
/// answer: a created or unchanged resource's status is its own; a changed ServiceSpec counts only with a status
/// written after the apply began (`status.updatedAt`, by the operator's clock, assumed to agree with this one; the
/// operator rewrites it because the observed spec hash changes), and a Running one only when its observedSpecHash is
/// the hash of the spec the document holds now (<see cref="StatusIsForCurrentSpec"/>). The operator does not rewrite a tenant's or an
/// integration's status whose content stays the same, so for those a Degraded status from before is not believed
/// but a Running one is. Catalog entries have no phase and are not waited for.
/// </summary>
public static class ResourceWait
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    /// <summary>How often a wait reads the document again.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    private static readonly ServiceDocumentMapper Mapper = new();

    /// <summary>The replica hash of a ServiceSpec document's current spec and restart annotation; null when it does not read.</summary>
    public static string? CurrentSpecHash(BsonDocument service) =>
        Mapper.Read(service).Spec is { } spec ? SpecHasher.HashOf(spec) : null;

    /// <summary>
    /// Whether a ServiceSpec's status was written for the spec the document holds now: its observedSpecHash is the
    /// hash of that spec. A status written before a change (even after it, if the operator has not read it yet) says
    /// nothing about the new spec.
    /// </summary>
    public static bool StatusIsForCurrentSpec(BsonDocument service) =>
        CurrentSpecHash(service) is { } hash && DocumentView.Text(DocumentView.Status(service), "observedSpecHash") == hash;

    /// <summary>`--timeout`: a duration (90s, 5m) or a number of seconds.</summary>
    public static TimeSpan ParseTimeout(string? text) =>
        text is null ? DefaultTimeout
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 ? TimeSpan.FromSeconds(seconds)
        : LeaderElectionOptions.ParseDuration("--timeout", text);

    public static async Task<int> WaitAsync(
        CliContext context, IMongoDatabase database, IReadOnlyList<AppliedResource> applied, DateTimeOffset appliedAt, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var followed = applied.Where(resource => resource.Kind != IntegrationDefinition.KindName).ToList();
        if (followed.Count == 0)
        {
            return CliApplication.Ok;
        }

        var services = new MongoServiceStore(database);
        var documents = new IntegrationDocuments(database);
        var deadline = context.Time.GetUtcNow() + timeout;
        // Stored times have millisecond precision.
        var since = new DateTime(appliedAt.UtcDateTime.Ticks - (appliedAt.UtcDateTime.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
        var shown = new Dictionary<string, string>(StringComparer.Ordinal);
        while (true)
        {
            var waiting = new List<string>();
            foreach (var resource in followed)
            {
                var document = await ReadAsync(services, documents, resource, cancellationToken);
                if (document is null)
                {
                    await context.Error.WriteLineAsync($"error: {resource.Display} no longer exists");
                    return CliApplication.Failed;
                }

                var status = DocumentView.Status(document);
                var written = DocumentView.Text(status, "phase", nameof(ResourcePhase.Pending));
                var fresh = resource.Outcome != ApplyOutcome.Configured
                    || (status?.GetValue("updatedAt", BsonNull.Value) is { IsValidDateTime: true } updated && updated.ToUniversalTime() >= since)
                    || (resource.Kind != ServiceSpec.KindName && written == nameof(ResourcePhase.Running));
                // Running counts for a ServiceSpec only once the operator rolled out the spec the document holds now.
                fresh &= resource.Kind != ServiceSpec.KindName || written != nameof(ResourcePhase.Running) || StatusIsForCurrentSpec(document);
                var phase = fresh ? written : nameof(ResourcePhase.Pending);
                var message = fresh ? DocumentView.Text(status, "message", "") : "waiting for the operator";
                var line = $"{resource.Display}: {phase}{Ready(status, fresh)}{(message.Length > 0 ? " — " + message.ReplaceLineEndings(" ") : "")}";
                if (!shown.TryGetValue(resource.Display, out var before) || before != line)
                {
                    shown[resource.Display] = line;
                    await context.Output.WriteLineAsync(line);
                }

                if (phase == nameof(ResourcePhase.Degraded))
                {
                    await context.Error.WriteLineAsync($"error: {resource.Display} is Degraded: {(message.Length > 0 ? message : "no message")}");
                    return CliApplication.Failed;
                }

                if (phase != nameof(ResourcePhase.Running))
                {
                    waiting.Add($"{resource.Display} is {phase}{(message.Length > 0 ? " (" + message + ")" : "")}");
                }
            }

            await context.Output.FlushAsync(cancellationToken);
            if (waiting.Count == 0)
            {
                await context.Output.WriteLineAsync(followed.Count == 1 ? $"{followed[0].Display} is Running" : $"all {followed.Count} resources are Running");
                return CliApplication.Ok;
            }

            if (context.Time.GetUtcNow() >= deadline)
            {
                await context.Error.WriteLineAsync(
                    $"error: timed out after {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s: {string.Join("; ", waiting)}; is the operator (zpm run) running?");
                return CliApplication.Failed;
            }

            await Task.Delay(PollInterval, context.Time, cancellationToken);
        }
    }

    private static string Ready(BsonDocument? status, bool fresh) =>
        fresh && status?.GetValue("replicas", BsonNull.Value) is BsonDocument replicas
            ? $" ({DocumentView.Text(replicas, "ready", "0")}/{DocumentView.Text(replicas, "desired", "0")} ready)"
            : "";

    private static async Task<BsonDocument?> ReadAsync(MongoServiceStore services, IntegrationDocuments documents, AppliedResource resource, CancellationToken cancellationToken) =>
        resource.Kind switch
        {
            ServiceSpec.KindName => await services.GetDocumentAsync(new ResourceKey(ServiceSpec.KindName, resource.Tenant!, resource.Name), cancellationToken),
            IntegrationSpec.KindName => await documents.GetIntegrationAsync(resource.Tenant!, resource.Name, cancellationToken),
            Tenant.KindName => await documents.GetTenantAsync(resource.Name, cancellationToken),
            _ => throw new InvalidOperationException($"--wait does not know kind {resource.Kind}"),
        };
}
