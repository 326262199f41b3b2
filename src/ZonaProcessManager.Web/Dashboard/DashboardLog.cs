using Microsoft.Extensions.Logging;

namespace ZonaProcessManager.Web.Dashboard;

/// <summary>The dashboard's log lines, source-generated. None carries a document's content or the action token.</summary>
internal static partial class DashboardLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Dashboard change stream failed ({Reason}); reopening in {Delay}")]
    public static partial void FeedRestarts(ILogger logger, string reason, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dashboard action {Action} on {Kind} {Tenant}/{Name}")]
    public static partial void ActionDone(ILogger logger, string action, string kind, string tenant, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dashboard action refused: {Reason}")]
    public static partial void ActionRefused(ILogger logger, string reason);
}
