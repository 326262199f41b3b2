using Microsoft.Extensions.Logging;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Operator.Controllers;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Operator.Hosting;

/// <summary>Controllers' follow-up requests go straight into the work queue, limited to the tenants this operator manages.</summary>
public sealed class QueueReconcileTrigger(ReconcileQueue queue, OperatorSettings settings, ILogger<QueueReconcileTrigger> logger) : IReconcileTrigger
{
    public void Request(IEnumerable<ResourceKey> keys, string reason)
    {
        var managed = keys.Where(key => settings.Manages(key.Tenant)).ToList();
        if (managed.Count == 0)
        {
            return;
        }

        logger.LogDebug("Enqueued {Count} resource(s): {Reason}", managed.Count, reason);
        queue.AddRange(managed);
    }
}
