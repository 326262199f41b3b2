using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Hosting;
using ZonaProcessManager.Operator.Logging;
using ZonaProcessManager.Operator.Settings;
using ZonaProcessManager.Operator.Tests.Fakes;

namespace ZonaProcessManager.Operator.Tests.Hosting;

/// <summary>
/// A reconcile that throws is logged once, not by every layer it passes through, and the queue retries it with backoff.
/// A container engine's (or store's) refusal is one warning with its message; anything else is a bug, one error with
/// its stack.
/// </summary>
public sealed class ReconcileFailureLoggingTests : IAsyncLifetime
{
    // The integration is gone but still holds a host port: its reconcile lists the containers of its service, which throws.
    private static readonly ResourceKey Integration = IntegrationKeys.Integration("acme", "edr");
    private static readonly ResourceKey ChildService = new(ServiceSpec.KindName, "acme", "edr");

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

    [Fact]
    public async Task An_unexpected_exception_is_one_error_line_with_its_stack_and_the_key_is_retried()
    {
        var failures = await StartFailingAsync(new InvalidOperationException("a bug in the operator"));

        var line = Assert.Single(failures);
        Assert.Equal(LogEventLevel.Error, line.Level);
        Assert.IsType<InvalidOperationException>(line.Exception);
    }

    [Fact]
    public async Task A_container_engine_error_is_one_warning_line_with_its_message_and_no_stack()
    {
        var failures = await StartFailingAsync(
            new ContainerRuntimeException("list containers", ChildService.ToString(), ContainerRuntimeErrorKind.Other, "engine says no"));

        var line = Assert.Single(failures);
        Assert.Equal(LogEventLevel.Warning, line.Level);
        Assert.Null(line.Exception);
        Assert.Contains("engine says no", line.RenderMessage(), StringComparison.Ordinal);
    }

    /// <summary>Runs the operator until the integration's reconcile has failed once; returns the warnings and errors about it.</summary>
    private async Task<List<LogEvent>> StartFailingAsync(Exception failure)
    {
        var settings = new OperatorSettings { BackoffInitial = TimeSpan.FromMinutes(5), BackoffJitter = 0 };
        var integrations = new FakeIntegrationStore(_store);
        integrations.AddAllocation(new PortAllocation("acme", "edr", "api", 20000));
        var runtime = new FakeContainerRuntime(TimeProvider.System)
        {
            BeforeList = (owner, _) => owner == ChildService ? Task.FromException(failure) : Task.CompletedTask,
        };
        var serilog = OperatorLogging.ConfigureEvents(new LoggerConfiguration(), settings).WriteTo.Sink(_sink).CreateLogger();
        _host = OperatorApp.CreateBuilder(settings, services =>
        {
            services.AddFakePorts(_store, new FakeResourceWatcher(), runtime, integrations);
            services.AddSingleton<ILoggerFactory>(new SerilogLoggerFactory(serilog, dispose: true));
        }).Build();
        await _host.StartAsync();

        var queue = _host.Services.GetRequiredService<ReconcileQueue>().For(IntegrationSpec.KindName);
        await Eventually.TrueAsync(() => queue.Snapshot().ConsecutiveFailures.GetValueOrDefault(Integration) == 1, "the integration's reconcile failed");
        Assert.Contains(Integration, queue.Snapshot().Scheduled.Keys); // retried with backoff

        // Inside the reconcile's scope, or naming the key in the message (the queue's own lines are outside the scope).
        return [.. _sink.Events.Where(e => e.Level >= LogEventLevel.Warning
            && (CapturingSerilogSink.ScalarText(e, ReconcileLogScope.ResourceProperty) == Integration.ToString()
                || e.RenderMessage().Contains(Integration.ToString(), StringComparison.Ordinal)))];
    }
}
