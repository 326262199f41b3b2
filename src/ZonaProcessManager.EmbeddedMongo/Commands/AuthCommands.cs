using System.Text;
using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Auth;

namespace ZonaProcessManager.EmbeddedMongo.Commands;

/// <summary>SCRAM-SHA-256 login (saslStart/saslContinue, also speculatively inside hello), logout, and user management.</summary>
public static class AuthCommands
{
    private static MongoError AuthenticationFailed() => new(18, "AuthenticationFailed", "Authentication failed.");

    public static ValueTask<BsonDocument> SaslStart(CommandContext context) =>
        ValueTask.FromResult(Start(context.Server, context.Connection.State, context.Database, context.Body));

    /// <summary>
    /// The first SCRAM step. Also answers hello's speculativeAuthenticate, whose document is a saslStart with its
    /// database in "db".
    /// </summary>
    public static BsonDocument Start(ServerContext server, ConnectionState connection, string database, BsonDocument command)
    {
        var mechanism = command.GetValue("mechanism", BsonNull.Value) is BsonString name ? name.Value : "";
        if (mechanism is not (ScramCredential.Mechanism or "SCRAM-SHA-1"))
        {
            throw new MongoError(2, "BadValue", $"Received authentication for mechanism {mechanism} which is not enabled");
        }

        var first = Parse(Payload(command));
        if (ScramConversation.ParseClientFirst(first) is not { } parsed)
        {
            throw AuthenticationFailed();
        }

        var user = server.Users.Find(database, parsed.User);
        if (user is null)
        {
            server.Log($"authentication failed: no user {parsed.User}@{database}");
            throw AuthenticationFailed();
        }

        if (mechanism != ScramCredential.Mechanism)
        {
            // Drivers fall back to SCRAM-SHA-1 when hello lists no mechanisms for the user; users here have SHA-256 keys only.
            throw new MongoError(334, "MechanismUnavailable", "Unable to use SCRAM-SHA-1 based authentication for user without any SCRAM-SHA-1 credentials registered");
        }

        var conversation = ScramConversation.Start(user.Credential, parsed.Gs2Header, parsed.Bare, parsed.ClientNonce);
        var id = connection.NextConversationId();
        connection.Pending = (id, conversation, database, parsed.User);
        return new BsonDocument
        {
            { "conversationId", id },
            { "done", false },
            { "payload", new BsonBinaryData(Encoding.UTF8.GetBytes(conversation.ServerFirst)) },
        };
    }

    public static ValueTask<BsonDocument> SaslContinue(CommandContext context)
    {
        var connection = context.Connection.State;
        var id = context.Body.GetValue("conversationId", BsonNull.Value);
        if (connection.Pending is not { } pending || !id.IsNumeric || id.ToInt32() != pending.Id)
        {
            if (id.IsNumeric && connection.CurrentUser(context.Server.Users) is not null && Payload(context.Body).Length == 0)
            {
                // The empty closing step of a client that did not ask to skip it.
                return ValueTask.FromResult(new BsonDocument { { "conversationId", id }, { "done", true }, { "payload", new BsonBinaryData([]) } });
            }

            throw new MongoError(17, "ProtocolError", "No SASL session state found");
        }

        connection.Pending = null;
        var serverFinal = pending.Conversation.Finish(Parse(Payload(context.Body)));
        var user = serverFinal is null ? null : context.Server.Users.Find(pending.Db, pending.User);
        if (serverFinal is null || user is null)
        {
            context.Server.Log($"authentication failed for {pending.User}@{pending.Db} from {context.Connection.RemoteAddress}");
            throw AuthenticationFailed();
        }

        connection.SignIn(user, context.Server.Users.Version);
        return ValueTask.FromResult(new BsonDocument
        {
            { "conversationId", pending.Id },
            // Drivers send skipEmptyExchange and accept done right away; done: false here would cost them another round trip.
            { "done", true },
            { "payload", new BsonBinaryData(Encoding.UTF8.GetBytes(serverFinal)) },
        });
    }

    /// <summary>hello's speculativeAuthenticate: the saslStart reply, or null (the driver then authenticates the usual way).</summary>
    public static BsonDocument? Speculative(ServerContext server, ConnectionState connection, BsonDocument request)
    {
        try
        {
            var database = request.GetValue("db", BsonNull.Value) is BsonString db ? db.Value : "admin";
            return Start(server, connection, database, request);
        }
        catch (MongoError)
        {
            return null;
        }
    }

    /// <summary>hello's saslSupportedMechs: "db.user" → the mechanisms that user can log in with, or null for no such user.</summary>
    public static BsonArray? SupportedMechanisms(ServerContext server, string qualifiedUser)
    {
        var dot = qualifiedUser.IndexOf('.');
        return dot > 0 && server.Users.Find(qualifiedUser[..dot], qualifiedUser[(dot + 1)..]) is not null ? [ScramCredential.Mechanism] : null;
    }

    public static ValueTask<BsonDocument> Logout(CommandContext context)
    {
        context.Connection.State.SignOut();
        return ValueTask.FromResult(new BsonDocument("ok", 1.0));
    }

    public static ValueTask<BsonDocument> CreateUser(CommandContext context)
    {
        var name = UserName(context);
        var password = Password(context) ?? throw new MongoError(2, "BadValue", "Must provide a 'pwd' field for all user documents, except those with '$external' as the user's source db");
        var user = new UserRecord(name, context.Database, Guid.NewGuid(), Roles(context, required: true)!, ScramCredential.Create(password), context.OptionalDocument("customData"));
        if (!context.Server.Users.Create(user))
        {
            throw new MongoError(51003, "Location51003", $"User \"{name}@{context.Database}\" already exists");
        }

        return Ok();
    }

    public static ValueTask<BsonDocument> UpdateUser(CommandContext context)
    {
        var existing = Existing(context);
        var password = Password(context);
        var roles = Roles(context, required: false);
        if (password is null && roles is null && !context.Body.Contains("customData"))
        {
            throw new MongoError(2, "BadValue", "Must specify at least one field to update in updateUser");
        }

        var updated = existing with
        {
            Credential = password is null ? existing.Credential : ScramCredential.Create(password),
            Roles = roles ?? existing.Roles,
            CustomData = context.Body.Contains("customData") ? context.OptionalDocument("customData") : existing.CustomData,
        };
        return Save(context, updated);
    }

    public static ValueTask<BsonDocument> GrantRolesToUser(CommandContext context)
    {
        var existing = Existing(context);
        var granted = Roles(context, required: true)!;
        return Save(context, existing with { Roles = [.. existing.Roles.Union(granted)] });
    }

    public static ValueTask<BsonDocument> RevokeRolesFromUser(CommandContext context)
    {
        var existing = Existing(context);
        var revoked = Roles(context, required: true)!;
        return Save(context, existing with { Roles = [.. existing.Roles.Except(revoked)] });
    }

    public static ValueTask<BsonDocument> DropUser(CommandContext context)
    {
        var name = UserName(context);
        if (!context.Server.Users.Drop(context.Database, name))
        {
            throw UserNotFound(name, context.Database);
        }

        return Ok();
    }

    /// <summary>usersInfo: 1 (this database), a name, {user, db}, a list of those, or {forAllDBs: true}. Credentials only with showCredentials.</summary>
    public static ValueTask<BsonDocument> UsersInfo(CommandContext context)
    {
        var users = context.Server.Users;
        IEnumerable<UserRecord> selected = context.CommandValue switch
        {
            BsonDocument { } all when all.GetValue("forAllDBs", false).ToBoolean() => users.All,
            BsonArray names => names.Select(entry => Named(context, entry)).OfType<(string Db, string User)>().Select(n => users.Find(n.Db, n.User)).OfType<UserRecord>(),
            var value when value.IsNumeric => users.All.Where(u => u.Db == context.Database),
            var value => Named(context, value) is { } one && users.Find(one.Db, one.User) is { } found ? [found] : [],
        };

        var self = context.Connection.State.CurrentUser(users);
        var list = selected.ToList();
        if (context.Server.Options.RequireAuthentication
            && list.Any(u => u.Id != self?.Id && !(self?.Can(Privilege.UserAdmin, u.Db) ?? false)))
        {
            throw new MongoError(13, "Unauthorized", $"not authorized on {context.Database} to execute command {{ usersInfo: …, $db: \"{context.Database}\" }}");
        }

        var showCredentials = context.Flag("showCredentials");
        var reply = new BsonArray();
        foreach (var user in list)
        {
            var document = user.ToBson();
            if (!showCredentials)
            {
                document.Remove("credentials");
            }

            document["mechanisms"] = new BsonArray { ScramCredential.Mechanism };
            reply.Add(document);
        }

        return ValueTask.FromResult(new BsonDocument("users", reply));
    }

    private static (string Db, string User)? Named(CommandContext context, BsonValue value) => value switch
    {
        BsonString name => (context.Database, name.Value),
        BsonDocument { } document when document.GetValue("user", BsonNull.Value) is BsonString user =>
            (document.GetValue("db", context.Database).AsString, user.Value),
        _ => throw new MongoError(2, "BadValue", "usersInfo takes 1, a user name, {user, db}, a list of those, or {forAllDBs: true}"),
    };

    private static ValueTask<BsonDocument> Save(CommandContext context, UserRecord updated)
    {
        if (!context.Server.Users.Replace(updated))
        {
            throw UserNotFound(updated.User, updated.Db);
        }

        return Ok();
    }

    private static UserRecord Existing(CommandContext context)
    {
        var name = UserName(context);
        return context.Server.Users.Find(context.Database, name) ?? throw UserNotFound(name, context.Database);
    }

    private static MongoError UserNotFound(string user, string db) => new(11, "UserNotFound", $"Could not find user \"{user}\" for db \"{db}\"");

    private static string UserName(CommandContext context) =>
        context.CommandValue is BsonString { Value.Length: > 0 } name && !name.Value.Contains('\0')
            ? name.Value
            : throw new MongoError(2, "BadValue", $"{context.CommandName} takes a non-empty user name");

    private static string? Password(CommandContext context)
    {
        if (context.Body.GetValue("digestPassword", true) is { } digest && !digest.ToBoolean())
        {
            throw new MongoError(2, "BadValue", "Use of SCRAM-SHA-256 requires undigested passwords");
        }

        if (context.Body.GetValue("mechanisms", BsonNull.Value) is BsonArray mechanisms && mechanisms.Any(m => m != ScramCredential.Mechanism))
        {
            throw new MongoError(2, "BadValue", $"Only {ScramCredential.Mechanism} is supported by this server");
        }

        return context.Body.GetValue("pwd", BsonNull.Value) switch
        {
            BsonString password => Scram.PreparePassword(password.Value),
            BsonNull => null,
            _ => throw MongoError.TypeMismatch("pwd must be a string"),
        };
    }

    private static List<RoleGrant>? Roles(CommandContext context, bool required)
    {
        if (context.Body.GetValue("roles", BsonNull.Value) is not BsonArray roles)
        {
            return required ? throw new MongoError(2, "BadValue", $"\"{context.CommandName}\" command requires a \"roles\" array") : null;
        }

        var grants = new List<RoleGrant>();
        foreach (var role in roles)
        {
            var grant = role switch
            {
                BsonString name => new RoleGrant(name.Value, context.Database),
                BsonDocument document when document.GetValue("role", BsonNull.Value) is BsonString name && document.GetValue("db", BsonNull.Value) is BsonString db =>
                    new RoleGrant(name.Value, db.Value),
                _ => throw new MongoError(2, "BadValue", "a role is a name or {role, db}"),
            };
            if (!BuiltInRoles.Exists(grant))
            {
                throw new MongoError(31, "RoleNotFound", $"Could not find role: {grant.Role}@{grant.Db}");
            }

            if (context.Server.Options.RequireAuthentication
                && context.Connection.State.CurrentUser(context.Server.Users) is { } self && !self.Can(Privilege.UserAdmin, grant.Db))
            {
                throw new MongoError(13, "Unauthorized", $"not authorized to grant role {grant.Role}@{grant.Db}");
            }

            if (!grants.Contains(grant))
            {
                grants.Add(grant);
            }
        }

        return grants;
    }

    private static byte[] Payload(BsonDocument command) => command.GetValue("payload", BsonNull.Value) switch
    {
        BsonBinaryData binary => binary.Bytes,
        BsonString text => Convert.FromBase64String(text.Value),
        _ => throw new MongoError(2, "BadValue", "payload must be binary"),
    };

    private static string Parse(byte[] payload)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(payload);
        }
        catch (DecoderFallbackException)
        {
            throw AuthenticationFailed();
        }
    }

    private static ValueTask<BsonDocument> Ok() => ValueTask.FromResult(new BsonDocument("ok", 1.0));
}
