using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MongoDB.Driver;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Web.Hosting;

namespace ZonaProcessManager.Web.Dashboard;

/// <summary>
/// The dashboard's HTTP surface: the page and its assets at `/` and `/dashboard/*`, the read-only JSON API under
/// `/api/*`, the live stream at `/api/stream`, and, only when actions are enabled, `POST /api/actions/{action}` (each
/// checked against the start's token). Without actions enabled those routes do not exist (404), so nothing can change a
/// document through the dashboard; no GET changes anything either way.
/// </summary>
public sealed class DashboardEndpointModule(
    DashboardReadModel readModel,
    DashboardFeed feed,
    DashboardActions actions,
    DashboardSettings settings,
    IHostApplicationLifetime lifetime,
    ILogger<DashboardEndpointModule>? logger = null)
    : IHttpEndpointModule
{
    private const string AssetPrefix = "dashboard/";

    // The page runs only its own scripts and talks only to this origin; it cannot be framed or leak its URL.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly Assembly Assets = typeof(DashboardEndpointModule).Assembly;
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;

    public void Map(IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var dashboard = endpoints.MapGroup("").AddEndpointFilter(async (context, next) =>
        {
            var headers = context.HttpContext.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers["Referrer-Policy"] = "no-referrer";
            headers.CacheControl = "no-store";
            return await next(context).ConfigureAwait(false);
        });

        dashboard.MapGet("/", () => Asset("index.html"));
        dashboard.MapGet("/dashboard/{file}", (string file) => Asset(file));
        dashboard.MapGet("/api/dashboard", () => TypedResults.Ok(new { actionsEnabled = settings.ActionsEnabled, actions = settings.ActionsEnabled ? DashboardActions.Names : [] }));
        dashboard.MapGet("/api/resources/{kind}", async (string kind, CancellationToken cancellationToken) =>
            DashboardKind.FromPath(kind) is { } known
                ? Results.Ok(await readModel.ListAsync(known, cancellationToken).ConfigureAwait(false))
                : Results.NotFound(new { error = $"unknown kind {kind}; one of services, integrations, tenants, catalog" }));
        dashboard.MapGet("/api/resources/{kind}/{tenant}/{name}", async (string kind, string tenant, string name, CancellationToken cancellationToken) =>
            DashboardKind.FromPath(kind) is { } known && await readModel.GetAsync(known, tenant, name, cancellationToken).ConfigureAwait(false) is { } detail
                ? Results.Ok(detail)
                : Results.NotFound(new { error = $"no {kind} {tenant}/{name}" }));
        dashboard.MapGet("/api/events", async (CancellationToken cancellationToken) => Results.Ok(await readModel.RecentEventsAsync(cancellationToken).ConfigureAwait(false)));
        // A stream ends with the browser or with the host, so an open tab never holds up the operator's shutdown.
        dashboard.MapGet("/api/stream", (CancellationToken cancellationToken) =>
            TypedResults.ServerSentEvents(feed.SubscribeAsync(cancellationToken, lifetime.ApplicationStopping)));
        if (settings.ActionsEnabled)
        {
            dashboard.MapPost("/api/actions/{action}", RunActionAsync);
        }
    }

    private async Task<IResult> RunActionAsync(string action, HttpRequest request, CancellationToken cancellationToken)
    {
        if (!DashboardActionToken.Matches(settings.ActionToken, request.Headers[DashboardActionToken.Header]))
        {
            DashboardLog.ActionRefused(_logger, "missing or wrong token");
            return Results.Json(new { error = $"this action needs the token zpm run printed at start, in the {DashboardActionToken.Header} header" }, statusCode: StatusCodes.Status403Forbidden);
        }

        if (!DashboardActions.Names.Contains(action))
        {
            return Results.NotFound(new { error = $"unknown action {action}; one of {string.Join(", ", DashboardActions.Names)}" });
        }

        if (!request.HasJsonContentType())
        {
            return Results.BadRequest(new { error = "send the action as application/json" });
        }

        DashboardActionRequest? body;
        try
        {
            body = await request.ReadFromJsonAsync<DashboardActionRequest>(cancellationToken).ConfigureAwait(false);
        }
        catch (System.Text.Json.JsonException bad)
        {
            return Results.BadRequest(new { error = $"the body is not an action: {bad.Message}" });
        }

        if (body is null)
        {
            return Results.BadRequest(new { error = "the body is empty" });
        }

        DashboardActionOutcome outcome;
        try
        {
            outcome = await actions.RunAsync(action, body, cancellationToken).ConfigureAwait(false);
        }
        catch (MongoWriteException refused) when (refused.WriteError is { } error)
        {
            // The collection's schema refused the write: its message names the field, never a secret value.
            outcome = DashboardActionOutcome.Invalid($"the store refused the change: {error.Message}");
        }

        if (outcome.Problem is null)
        {
            DashboardLog.ActionDone(_logger, action, body.Kind ?? "", body.Tenant ?? "", body.Name ?? "");
            return Results.Ok(new { done = action });
        }

        return Results.Json(new { error = outcome.Problem }, statusCode: outcome.StatusCode);
    }

    private static IResult Asset(string file)
    {
        var stream = Assets.GetManifestResourceStream(AssetPrefix + file);
        if (stream is null)
        {
            return Results.NotFound();
        }

        var contentType = Path.GetExtension(file) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            ".svg" => "image/svg+xml",
            _ => "application/octet-stream",
        };
        return Results.Stream(stream, contentType);
    }
}
