using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Mongo.Mapping;

/// <summary>Field names and `_id` of a port_allocations document.</summary>
public static class PortAllocationFields
{
    public const string Tenant = "tenant";
    public const string Integration = "integration";
    public const string PortName = "portName";
    public const string Port = "port";
    public const string AllocatedAt = "allocatedAt";

    /// <summary>"&lt;tenant&gt;/&lt;integration&gt;/&lt;portName&gt;": one allocation per owner, also by `_id`.</summary>
    public static string IdFor(PortOwner owner) => owner.ToString();
}
