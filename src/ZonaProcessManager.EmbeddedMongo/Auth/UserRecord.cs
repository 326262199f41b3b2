using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Auth;

/// <summary>One user as kept in admin.system.users (MongoDB's document shape; keys, never the password).</summary>
public sealed record UserRecord(string User, string Db, Guid UserId, IReadOnlyList<RoleGrant> Roles, ScramCredential Credential, BsonDocument? CustomData)
{
    public string Id => $"{Db}.{User}";

    public bool Can(Privilege privilege, string? database) => Roles.Any(role => BuiltInRoles.Gives(role, privilege, database));

    public BsonDocument ToBson()
    {
        var document = new BsonDocument
        {
            { "_id", Id },
            { "userId", new BsonBinaryData(UserId, GuidRepresentation.Standard) },
            { "user", User },
            { "db", Db },
            {
                "credentials", new BsonDocument(ScramCredential.Mechanism, new BsonDocument
                {
                    { "iterationCount", Credential.IterationCount },
                    { "salt", Convert.ToBase64String(Credential.Salt) },
                    { "storedKey", Convert.ToBase64String(Credential.StoredKey) },
                    { "serverKey", Convert.ToBase64String(Credential.ServerKey) },
                })
            },
            { "roles", new BsonArray(Roles.Select(role => role.ToBson())) },
        };
        if (CustomData is not null)
        {
            document["customData"] = CustomData;
        }

        return document;
    }

    public static UserRecord FromBson(BsonDocument document)
    {
        var scram = document["credentials"][ScramCredential.Mechanism].AsBsonDocument;
        return new UserRecord(
            document["user"].AsString,
            document["db"].AsString,
            document["userId"].AsBsonBinaryData.ToGuid(GuidRepresentation.Standard),
            [.. document["roles"].AsBsonArray.Select(role => new RoleGrant(role["role"].AsString, role["db"].AsString))],
            new ScramCredential(scram["iterationCount"].ToInt32(), Convert.FromBase64String(scram["salt"].AsString),
                Convert.FromBase64String(scram["storedKey"].AsString), Convert.FromBase64String(scram["serverKey"].AsString)),
            document.TryGetValue("customData", out var custom) && custom is BsonDocument data ? data : null);
    }
}
