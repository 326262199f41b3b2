namespace ZonaProcessManager.EmbeddedMongo.Auth;

/// <summary>What a command needs on a database; roles are sets of these.</summary>
public enum Privilege
{
    Read,
    Write,
    DbAdmin,
    UserAdmin,
    ClusterMonitor,
    ClusterAdmin,
}
