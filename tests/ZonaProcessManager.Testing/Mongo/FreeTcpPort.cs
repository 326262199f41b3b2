using System.Net;
using System.Net.Sockets;

namespace ZonaProcessManager.Testing.Mongo;

/// <summary>Asks the OS for a currently free loopback port (for a process that must be told its port up front).</summary>
public static class FreeTcpPort
{
    public static int Pick()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
