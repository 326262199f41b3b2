namespace ZonaProcessManager.Domain.Ports;

/// <summary>Whether a host port is free on the Docker host right now (something outside zpm may hold it).</summary>
public interface IHostPortProbe
{
    bool IsFree(int port);
}
