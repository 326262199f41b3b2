using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Logging;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Operator.Tests.Fakes;

namespace ZonaProcessManager.Operator.Tests.Hosting;

/// <summary>
/// A line a controller logs inside a reconcile does not name its resource; the reconcile's log scope carries the key and
/// the run's id, and both formats a user reads show them.
/// </summary>
public sealed class ReconcileLogScopeTests : IAsyncLifetime
{
    private const string TransitionTemplate = "{From} -> {To}: {Message}";

    private readonly FakeServiceStore _store = new();
    private readonly CapturingSerilogSink _sink = new();
    private IHost? _host;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }
    }

    [Theory]
    [InlineData(LogFormat.Pretty)]
    [InlineData(LogFormat.Json)]
    public async Task A_line_logged_inside_a_reconcile_carries_the_resource_key_and_the_reconcile_id(LogFormat format)
    {
        var settings = new OperatorSettings { LogFormat = format };
        var integrations = new FakeIntegrationStore(_store);
        var tenant = integrations.PutTenant("acme");
        await StartAsync(settings, integrations);

        // The tenant reconcile's transition line: the TenantReconciler passes only the phases and the message.
        var transition = await WaitForAsync(e => e.MessageTemplate.Text == TransitionTemplate, "the tenant's transition line");
        Assert.Equal(tenant.Key.ToString(), CapturingSerilogSink.ScalarText(transition, ReconcileLogScope.ResourceProperty));
        var reconcileId = CapturingSerilogSink.ScalarText(transition, ReconcileLogScope.ReconcileIdProperty);
        Assert.False(string.IsNullOrEmpty(reconcileId));

        using var output = new StringWriter();
        OperatorLogging.CreateFormatter(settings).Format(transition, output);
        var line = output.ToString().TrimEnd();
        if (format == LogFormat.Json)
        {
            using var json = JsonDocument.Parse(line);
            Assert.Equal(tenant.Key.ToString(), json.RootElement.GetProperty(ReconcileLogScope.ResourceProperty).GetString());
            Assert.Equal(reconcileId, json.RootElement.GetProperty(ReconcileLogScope.ReconcileIdProperty).GetString());
            Assert.Equal(TransitionTemplate, json.RootElement.GetProperty("@mt").GetString());
        }
        else
        {
            // Serilog writes an enum in a message as JSON (":lj"), quoted.
            Assert.Matches(@"^\[\d\d:\d\d:\d\d\.\d{3} INF\] Tenant/acme/acme ""?Pending""? -> ", line);
        }
    }

    [Fact]
    public async Task A_line_that_names_the_resource_itself_shows_it_once_on_the_pretty_console()
    {
        var settings = new OperatorSettings { LogFormat = LogFormat.Pretty, VerboseLogging = true };
        var integrations = new FakeIntegrationStore(_store);
        var tenant = integrations.PutTenant("acme");
        await StartAsync(settings, integrations);

        // ReconcileTimingBehavior's line names {Resource} in its message and runs in the same scope.
        var timing = await WaitForAsync(e => e.MessageTemplate.Text.Contains("reconciled in", StringComparison.Ordinal)
            && CapturingSerilogSink.ScalarText(e, ReconcileLogScope.ResourceProperty) == tenant.Key.ToString(), "the tenant reconcile's timing line");
        var transition = await WaitForAsync(e => e.MessageTemplate.Text == TransitionTemplate, "the tenant's transition line");

        Assert.Equal(CapturingSerilogSink.ScalarText(transition, ReconcileLogScope.ReconcileIdProperty), CapturingSerilogSink.ScalarText(timing, ReconcileLogScope.ReconcileIdProperty));
        using var output = new StringWriter();
        OperatorLogging.CreateFormatter(settings).Format(timing, output);
        Assert.Matches(@"^\[\d\d:\d\d:\d\d\.\d{3} DBG\] Tenant/acme/acme reconciled in ", output.ToString());
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(output.ToString(), "Tenant/acme/acme"));
    }

    private async Task StartAsync(OperatorSettings settings, FakeIntegrationStore integrations)
    {
        // The operator's own Serilog pipeline (levels, scope properties, the pretty prefix), into memory.
        var serilog = OperatorLogging.ConfigureEvents(new LoggerConfiguration(), settings).WriteTo.Sink(_sink).CreateLogger();
        _host = OperatorApp.CreateBuilder(settings, services =>
        {
            services.AddFakePorts(_store, new FakeResourceWatcher(), new FakeContainerRuntime(TimeProvider.System), integrations);
            services.AddSingleton<ILoggerFactory>(new SerilogLoggerFactory(serilog, dispose: true));
        }).Build();
        await _host.StartAsync();
    }

    private async Task<LogEvent> WaitForAsync(Func<LogEvent, bool> match, string what)
    {
        LogEvent? found = null;
        await Eventually.TrueAsync(() => (found = _sink.Events.FirstOrDefault(match)) is not null, what);
        return found!;
    }
}
