using Microsoft.Extensions.Logging;

namespace ZonaProcessManager.Docker;

/// <summary>The Docker event stream's log lines, source-generated.</summary>
internal static partial class DockerEventStreamLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Docker event stream ended ({Reason}); reconnecting in {Delay}")]
    public static partial void EventStreamEnded(this ILogger logger, string reason, TimeSpan delay);
}
