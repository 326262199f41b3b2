using System.Collections.Frozen;

namespace ZonaProcessManager.EmbeddedMongo.Auth;

/// <summary>The built-in roles this server knows, with MongoDB's names and meanings (a subset of MongoDB's built-in roles).</summary>
public static class BuiltInRoles
{
    private static readonly FrozenDictionary<string, Privilege[]> DatabaseRoles = new Dictionary<string, Privilege[]>
    {
        ["read"] = [Privilege.Read],
        ["readWrite"] = [Privilege.Read, Privilege.Write],
        ["dbAdmin"] = [Privilege.DbAdmin],
        ["userAdmin"] = [Privilege.UserAdmin],
        ["dbOwner"] = [Privilege.Read, Privilege.Write, Privilege.DbAdmin, Privilege.UserAdmin],
    }.ToFrozenDictionary();

    // Roles that exist only on admin and apply to every database.
    private static readonly FrozenDictionary<string, Privilege[]> AnyDatabaseRoles = new Dictionary<string, Privilege[]>
    {
        ["readAnyDatabase"] = [Privilege.Read],
        ["readWriteAnyDatabase"] = [Privilege.Read, Privilege.Write],
        ["dbAdminAnyDatabase"] = [Privilege.DbAdmin],
        ["userAdminAnyDatabase"] = [Privilege.UserAdmin],
        ["clusterMonitor"] = [Privilege.ClusterMonitor],
        ["root"] = Enum.GetValues<Privilege>(),
    }.ToFrozenDictionary();

    public static bool Exists(RoleGrant grant) =>
        DatabaseRoles.ContainsKey(grant.Role) || (grant.Db == "admin" && AnyDatabaseRoles.ContainsKey(grant.Role));

    /// <summary>Whether <paramref name="grant"/> gives <paramref name="privilege"/> on <paramref name="database"/> (null: on every database).</summary>
    public static bool Gives(RoleGrant grant, Privilege privilege, string? database)
    {
        if (grant.Db == "admin" && AnyDatabaseRoles.TryGetValue(grant.Role, out var everywhere))
        {
            return everywhere.Contains(privilege);
        }

        return database is not null && grant.Db == database && DatabaseRoles.TryGetValue(grant.Role, out var here) && here.Contains(privilege);
    }
}
