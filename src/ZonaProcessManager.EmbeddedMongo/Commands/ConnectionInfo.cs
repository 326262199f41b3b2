using ZonaProcessManager.EmbeddedMongo.Auth;

namespace ZonaProcessManager.EmbeddedMongo.Commands;

/// <summary>One client connection as commands see it.</summary>
public sealed record ConnectionInfo(long Id, string RemoteAddress)
{
    /// <summary>Who the connection is authenticated as, shared by all its commands.</summary>
    public ConnectionState State { get; init; } = new();
}
