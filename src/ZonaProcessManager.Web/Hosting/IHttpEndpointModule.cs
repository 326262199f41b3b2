using Microsoft.AspNetCore.Routing;

namespace ZonaProcessManager.Web.Hosting;

/// <summary>
/// One part of the operator's HTTP surface (health probes, metrics, dashboard). The HTTP host maps every module
/// registered in the operator's services, so each part is added by registering it, without the host knowing it.
/// </summary>
public interface IHttpEndpointModule
{
    void Map(IEndpointRouteBuilder endpoints);
}
