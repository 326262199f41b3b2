using System.Net;
using System.Net.Sockets;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Docker;

/// <summary>
/// Asks the host's network stack whether a TCP port is free by binding it on every address for an instant. Binding the
/// wildcard address fails when anything holds the port on any address (Linux), which is what Docker's publish would
/// trip over. Only meaningful when the operator runs in the Docker host's network namespace (not inside a container
/// with its own), which is how `zpm run` is meant to run.
/// </summary>
public sealed class SocketHostPortProbe : IHostPortProbe
{
    public bool IsFree(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Any, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
