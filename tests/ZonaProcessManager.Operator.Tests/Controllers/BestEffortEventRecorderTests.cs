using ZonaProcessManager.Testing.Time;
using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Operator.Controllers;
using ZonaProcessManager.Operator.Tests.Fakes;

namespace ZonaProcessManager.Operator.Tests.Controllers;

/// <summary>Events are history for humans: losing one is logged, and only the caller's own cancellation escapes.</summary>
public sealed class BestEffortEventRecorderTests
{
    private static readonly ResourceKey Key = new(ServiceSpec.KindName, ResourceKey.DefaultTenant, "web");

    private readonly ManualTimeProvider _time = new();
    private readonly CapturingLogger<BestEffortEventRecorder> _logger = new();

    [Fact]
    public async Task A_failed_write_is_logged_and_does_not_throw()
    {
        var recorder = new BestEffortEventRecorder(new FailingRecorder(), _time, _logger);

        await recorder.RecordAsync(Key, EventType.Warning, "DockerError", "create failed", CancellationToken.None);

        var warning = Assert.Single(_logger.Logs);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Equal("RecordAsync: web is gone", warning.Properties["Error"]);
        Assert.Equal("DockerError", warning.Properties["Reason"]);
    }

    [Fact]
    public async Task The_callers_cancellation_escapes()
    {
        var recorder = new BestEffortEventRecorder(new HangingRecorder(), _time, _logger);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => recorder.RecordAsync(Key, EventType.Normal, "PortAllocated", "20000", cancelled.Token));
        Assert.Empty(_logger.Logs);
    }

    [Fact]
    public async Task A_write_that_outlives_its_timeout_is_given_up_and_logged()
    {
        var recorder = new BestEffortEventRecorder(new HangingRecorder(), _time, _logger);

        var recording = recorder.RecordAsync(Key, EventType.Warning, "ReconcileTimeout", "stuck", CancellationToken.None, TimeSpan.FromSeconds(10));
        Assert.False(recording.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(10));
        await recording.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("ReconcileTimeout", Assert.Single(_logger.Logs).Properties["Reason"]);
    }

    [Fact]
    public async Task An_event_is_stamped_with_the_injected_clock()
    {
        var store = new FakeServiceStore();
        var recorder = new BestEffortEventRecorder(store, _time, _logger);

        await recorder.RecordAsync(Key, EventType.Normal, "PortsReleased", "Released host port(s) 20000", CancellationToken.None);

        Assert.Equal(new ResourceEvent(Key, "PortsReleased", "Released host port(s) 20000", EventType.Normal, _time.GetUtcNow()), Assert.Single(store.Events));
    }

    private sealed class FailingRecorder : IEventRecorder
    {
        public Task RecordAsync(ResourceEvent resourceEvent, CancellationToken cancellationToken) =>
            Task.FromException(new StoreException("RecordAsync", $"{resourceEvent.Resource.Name} is gone"));
    }

    private sealed class HangingRecorder : IEventRecorder
    {
        public Task RecordAsync(ResourceEvent resourceEvent, CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, CancellationToken.None);
    }
}
