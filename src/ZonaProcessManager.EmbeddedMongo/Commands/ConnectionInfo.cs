using ZonaProcessManager.EmbeddedMongo.Auth;

namespace ZonaProcessManager.EmbeddedMongo.Commands;

/// <summary>One client connection as commands see it.</summary>
public sealed record ConnectionInfo(long Id, string RemoteAddress)
{
    /// <summary>Who the connection is authenticated as, shared by all its commands.</summary>
    public ConnectionState State { get; init; } = new();

    /// <summary>client.application.name from the connection's first hello, which failCommand's appName matches.</summary>
    public string? ApplicationName { get; set; }

    /// <summary>Whether the connection's handshake has been seen: client metadata is read from the first hello only, as mongod does.</summary>
    public bool HandshakeSeen { get; set; }
}
