using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Planning.Swarm;

/// <summary>The Swarm service name contract: zpm-&lt;tenant&gt;-&lt;name&gt;, one service per ServiceSpec.</summary>
public static class SwarmServiceNames
{
    public static string For(ResourceKey owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return $"zpm-{owner.Tenant}-{owner.Name}";
    }
}
