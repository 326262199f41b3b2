using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Auth;

/// <summary>A role granted on one database, e.g. readWrite@zpm or root@admin.</summary>
public sealed record RoleGrant(string Role, string Db)
{
    public BsonDocument ToBson() => new() { { "role", Role }, { "db", Db } };
}
