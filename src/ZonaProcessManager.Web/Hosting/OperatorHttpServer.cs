using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Web.Hosting;

/// <summary>
/// The operator's HTTP endpoints: Kestrel on <see cref="HttpSettings.Endpoint"/>, started and stopped with the
/// operator's host, serving every <see cref="IHttpEndpointModule"/> registered in the operator's services. It runs
/// beside the leader gate, not under it, so a standby answers too. The modules come from the operator's services (they
/// take what they need through their constructors); the web application around them has its own small container,
/// holding only what Kestrel and routing need, so nothing of the operator is built twice.
/// </summary>
public sealed class OperatorHttpServer(
    HttpSettings settings,
    IEnumerable<IHttpEndpointModule> modules,
    ILoggerFactory loggerFactory,
    ILogger<OperatorHttpServer> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _application;

    /// <summary>Where it listens once started ("http://127.0.0.1:9400/"), the port filled in when port 0 was asked for.</summary>
    public Uri? BaseAddress { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var endpoint = settings.Endpoint ?? throw new InvalidOperationException("The HTTP endpoints are off (no address to listen on).");
        if (settings.Problem() is { } problem)
        {
            throw new InvalidOperationException($"Refusing to serve HTTP on {HttpSettings.Format(endpoint)}: {problem}.");
        }

        // The empty builder reads no configuration and no ASPNETCORE_URLS: the one address served is the one asked for.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "zpm" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(endpoint);
        });
        builder.Services.AddRoutingCore();
        // The operator's loggers (Serilog, its format and level): Kestrel's and the modules' lines land in the same log.
        builder.Services.AddSingleton(loggerFactory);
        var application = builder.Build();
        foreach (var module in modules)
        {
            module.Map(application);
        }

        try
        {
            await application.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException exception)
        {
            await application.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException(
                $"Cannot serve HTTP on {HttpSettings.Format(endpoint)}: {exception.Message} (choose another with --http ADDRESS:PORT, or --http off).",
                exception);
        }

        _application = application;
        BaseAddress = BoundAddress(application, endpoint);
        logger.LogInformation("Serving HTTP on {Address} (/healthz, /readyz and the other endpoints)", BaseAddress);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_application is { } application)
        {
            await application.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_application is { } application)
        {
            _application = null;
            await application.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static Uri BoundAddress(WebApplication application, IPEndPoint asked)
    {
        var bound = application.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        return bound is not null ? new Uri(bound.EndsWith('/') ? bound : bound + "/") : new Uri($"http://{HttpSettings.Format(asked)}/");
    }
}
