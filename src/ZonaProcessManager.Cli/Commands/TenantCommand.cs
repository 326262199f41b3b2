using System.CommandLine;
using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Cli.Integrations;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Validation;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>
/// `zpm tenant onboard|offboard|suspend|resume`: writes tenants and integrations documents; the operator does the rest.
/// </summary>
public static class TenantCommand
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    public static Command Create(CliApplication app, CliContext context)
    {
        var tenant = new Command("tenant", "Onboard, offboard, suspend or resume a tenant");
        tenant.Subcommands.Add(Onboard(app, context));
        tenant.Subcommands.Add(Offboard(app, context));
        tenant.Subcommands.Add(SetSuspended(app, context, "suspend", true, "Scale every service of the tenant to 0, keeping ports and documents"));
        tenant.Subcommands.Add(SetSuspended(app, context, "resume", false, "Bring a suspended tenant's services back (same ports)"));
        return tenant;
    }

    private static Argument<string> CodeArgument() => new("code") { Description = "Tenant code (a DNS label: a-z, 0-9, '-')" };

    private static Command Onboard(CliApplication app, CliContext context)
    {
        var code = CodeArgument();
        var displayName = new Option<string?>("--display-name") { Description = "Human-readable tenant name (default: the code)" };
        var integrations = new Option<string[]>("--integration", "-i")
        {
            Description = "Catalog integration to activate, by integration_id or name (repeatable)",
            Required = true,
            AllowMultipleArgumentsPerToken = false,
        };
        var parameters = new Option<string[]>("--param", "-p")
        {
            Description = "Parameter k=v for every given integration whose catalog entry declares k, or <integration>.k=v for one integration (repeatable). "
                + "For secrets use k=@FILE (the file's content) or k=- (standard input): a value on the command line is visible to every local user",
        };
        var parameterFiles = new Option<string[]>("--param-file")
        {
            Description = "File of k=v (or <integration>.k=v) lines, '#' comments; values taken literally; --param overrides (repeatable)",
            AllowMultipleArgumentsPerToken = false,
        };
        var wait = new Option<bool>("--wait") { Description = "Then wait until the tenant and its integrations are Running; exit 1 with the message when one is Degraded" };
        var timeout = new Option<string?>("--timeout") { Description = "How long --wait waits at most: a duration (90s, 5m) or seconds; default 5m" };
        var onboard = new Command("onboard", "Create or update a tenant and one IntegrationSpec per --integration") { code, displayName, integrations, parameters, parameterFiles, wait, timeout };
        onboard.SetAction(app.Guard(async (parseResult, cancellationToken) =>
        {
            var tenantCode = parseResult.GetValue(code)!;
            var waitTimeout = ResourceWait.ParseTimeout(parseResult.GetValue(timeout));
            var appliedAt = context.Time.GetUtcNow();
            var applied = new List<AppliedResource>();
            if (!DnsLabel.IsValid(tenantCode))
            {
                throw new CliUsageException(DnsLabel.Problem("tenant code", tenantCode));
            }

            using var connection = app.Globals.Connect(parseResult);
            var documents = new IntegrationDocuments(connection.Database);
            var existingTenant = await documents.GetTenantAsync(tenantCode, cancellationToken);
            if (existingTenant is not null && DocumentView.DeletionRequested(existingTenant))
            {
                await context.Error.WriteLineAsync($"error: tenant {tenantCode} is being offboarded; wait until it is gone, then onboard it again");
                return CliApplication.Failed;
            }

            var catalog = await documents.ListCatalogAsync(cancellationToken);
            var sourceProblems = new List<string>();
            var given = ParameterSources.Read(parseResult.GetValue(parameterFiles) ?? [], parseResult.GetValue(parameters) ?? [], () => context.Input, sourceProblems);
            var plan = OnboardingPlan.Build(catalog, parseResult.GetValue(integrations) ?? [], given, out var problems);
            problems.InsertRange(0, sourceProblems);
            if (problems.Count == 0)
            {
                problems.AddRange(await plan.MissingRequiredAsync(documents, tenantCode, cancellationToken));
            }

            if (problems.Count > 0)
            {
                foreach (var problem in problems)
                {
                    await context.Error.WriteLineAsync("error: " + problem);
                }

                await context.Error.WriteLineAsync($"nothing written for tenant {tenantCode}");
                return CliApplication.Failed;
            }

            var tenantUpdate = Builders<BsonDocument>.Update
                .Set(DocumentFields.ApiVersion, IntegrationDocuments.ApiVersion)
                .Set(DocumentFields.Kind, Tenant.KindName)
                .Set(DocumentFields.MetadataName, tenantCode)
                .SetOnInsert(DocumentFields.Id, tenantCode)
                .SetOnInsert("spec.suspended", false);
            tenantUpdate = parseResult.GetValue(displayName) is { } name
                ? tenantUpdate.Set("spec.displayName", name)
                : tenantUpdate.SetOnInsert("spec.displayName", tenantCode);
            var tenantOutcome = await documents.Store.UpsertDocumentAsync(Tenant.KindName, tenantCode, null, tenantUpdate, cancellationToken);
            await context.Output.WriteLineAsync($"tenant/{tenantCode} {tenantOutcome.ToString().ToLowerInvariant()}");
            applied.Add(new AppliedResource(Tenant.KindName, null, tenantCode, tenantOutcome));

            foreach (var activation in plan.Activations)
            {
                var update = Builders<BsonDocument>.Update
                    .Set(DocumentFields.ApiVersion, IntegrationDocuments.ApiVersion)
                    .Set(DocumentFields.Kind, IntegrationSpec.KindName)
                    .Set(DocumentFields.MetadataName, activation.Name)
                    .Set(DocumentFields.MetadataTenant, tenantCode)
                    .Set("spec.integration_id", activation.IntegrationId)
                    .SetOnInsert(DocumentFields.Id, DocumentIds.For(tenantCode, activation.Name))
                    .SetOnInsert("spec.enabled", true)
                    .SetOnInsert("spec.replicas", 1);
                // Parameters are set one by one so that onboarding again (e.g. to add an integration) keeps the ones given before.
                update = activation.Parameters.Count == 0
                    ? update.SetOnInsert("spec.parameters", new BsonDocument())
                    : activation.Parameters.Aggregate(update, (current, parameter) => current.Set("spec.parameters." + parameter.Key, parameter.Value));
                var outcome = await documents.Store.UpsertDocumentAsync(IntegrationSpec.KindName, activation.Name, tenantCode, update, cancellationToken);
                await context.Output.WriteLineAsync($"integrationspec/{tenantCode}/{activation.Name} {outcome.ToString().ToLowerInvariant()}");
                applied.Add(new AppliedResource(IntegrationSpec.KindName, tenantCode, activation.Name, outcome));
            }

            return parseResult.GetValue(wait)
                ? await ResourceWait.WaitAsync(context, connection.Database, applied, appliedAt, waitTimeout, cancellationToken)
                : CliApplication.Ok;
        }));
        return onboard;
    }

    private static Command Offboard(CliApplication app, CliContext context)
    {
        var code = CodeArgument();
        var wait = new Option<bool>("--wait") { Description = "Wait until the operator has removed everything of the tenant and the tenant document" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds --wait waits at most", DefaultValueFactory = _ => 300 };
        var offboard = new Command("offboard", "Request deletion of a tenant: the operator removes its integrations, services, containers, network and ports") { code, wait, timeout };
        offboard.SetAction(app.Guard(async (parseResult, cancellationToken) =>
        {
            var tenantCode = parseResult.GetValue(code)!;
            using var connection = app.Globals.Connect(parseResult);
            var documents = new IntegrationDocuments(connection.Database);
            var result = await documents.Store.UpdateTenantDocumentAsync(
                tenantCode, Builders<BsonDocument>.Update.Set(DocumentFields.MetadataDeletionRequested, true), cancellationToken);
            if (result.MatchedCount == 0)
            {
                await context.Error.WriteLineAsync($"error: tenant {tenantCode} not found");
                return CliApplication.Failed;
            }

            await context.Output.WriteLineAsync($"tenant/{tenantCode} offboarding requested");
            if (!parseResult.GetValue(wait))
            {
                return CliApplication.Ok;
            }

            var deadline = context.Time.GetUtcNow().AddSeconds(parseResult.GetValue(timeout));
            string? lastProgress = null;
            while (await documents.GetTenantAsync(tenantCode, cancellationToken) is { } stored)
            {
                var progress = await ProgressAsync(documents, stored, tenantCode, cancellationToken);
                if (progress != lastProgress)
                {
                    await context.Output.WriteLineAsync(progress);
                    lastProgress = progress;
                }

                if (context.Time.GetUtcNow() >= deadline)
                {
                    await context.Error.WriteLineAsync($"error: tenant/{tenantCode} still exists after {parseResult.GetValue(timeout)} s ({progress}); is the operator (zpm run) running?");
                    return CliApplication.Failed;
                }

                await Task.Delay(PollInterval, context.Time, cancellationToken);
            }

            await context.Output.WriteLineAsync($"tenant/{tenantCode} offboarded");
            return CliApplication.Ok;
        }));
        return offboard;
    }

    private static async Task<string> ProgressAsync(IntegrationDocuments documents, BsonDocument tenant, string code, CancellationToken cancellationToken)
    {
        var phase = DocumentView.Text(DocumentView.Status(tenant), "phase", "-");
        var integrations = await documents.Store.CountIntegrationDocumentsAsync(code, cancellationToken);
        var ports = await documents.Store.CountPortAllocationsAsync(code, cancellationToken);
        return $"tenant/{code} phase {phase}: {integrations} integration(s), {ports} port allocation(s) left";
    }

    private static Command SetSuspended(CliApplication app, CliContext context, string verb, bool suspended, string description)
    {
        var code = CodeArgument();
        var command = new Command(verb, description) { code };
        command.SetAction(app.Guard(async (parseResult, cancellationToken) =>
        {
            var tenantCode = parseResult.GetValue(code)!;
            using var connection = app.Globals.Connect(parseResult);
            var documents = new IntegrationDocuments(connection.Database);
            var result = await documents.Store.UpdateTenantDocumentAsync(
                tenantCode, Builders<BsonDocument>.Update.Set("spec.suspended", suspended), cancellationToken);
            if (result.MatchedCount == 0)
            {
                await context.Error.WriteLineAsync($"error: tenant {tenantCode} not found");
                return CliApplication.Failed;
            }

            var state = suspended ? "suspended" : "resumed";
            await context.Output.WriteLineAsync(result.ModifiedCount > 0 ? $"tenant/{tenantCode} {state}" : $"tenant/{tenantCode} unchanged (already {state})");
            return CliApplication.Ok;
        }));
        return command;
    }
}
