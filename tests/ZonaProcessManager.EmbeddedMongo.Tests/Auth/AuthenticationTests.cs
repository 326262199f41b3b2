using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using MongoshRunner = ZonaProcessManager.Testing.Mongosh.Mongosh;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Auth;

/// <summary>
/// Logging in and being refused as with mongod --auth: SCRAM-SHA-256 through the official driver and mongosh, 18
/// AuthenticationFailed for a wrong password, 13 Unauthorized before login and beyond a user's roles, user management
/// commands, users kept across restarts, and a data directory only its owner can read.
/// </summary>
public sealed class AuthenticationTests(ITestOutputHelper output)
{
    private static BsonDocument Doc(string json) => BsonDocument.Parse(json);

    [Fact]
    public async Task The_driver_logs_in_with_SCRAM_SHA_256_and_works()
    {
        await using var server = await AuthServer.StartAsync();
        using var client = server.Client(server.Admin.User, server.Admin.Password, configure: settings =>
            settings.Credential = new MongoCredential("SCRAM-SHA-256", new MongoInternalIdentity("admin", server.Admin.User), new PasswordEvidence(server.Admin.Password)));
        var collection = client.GetDatabase("app").GetCollection<BsonDocument>("things");
        await collection.InsertOneAsync(Doc("{_id: 1, name: 'a'}"));
        Assert.Equal("a", (await collection.Find(Doc("{_id: 1}")).SingleAsync())["name"].AsString);

        // The default mechanism negotiation (saslSupportedMechs, speculative authentication) lands on SCRAM-SHA-256 too.
        using var negotiated = server.AdminClient();
        var status = await negotiated.GetDatabase("admin").RunCommandAsync<BsonDocument>(Doc("{connectionStatus: 1}"));
        Assert.Equal(Doc("{user: 'zpm-admin', db: 'admin'}"), status["authInfo"]["authenticatedUsers"][0].AsBsonDocument);
    }

    [Fact]
    public async Task A_wrong_password_or_unknown_user_fails_with_AuthenticationFailed()
    {
        await using var server = await AuthServer.StartAsync();
        using var wrong = server.Client(server.Admin.User, "not-the-password");
        var error = await Assert.ThrowsAsync<MongoAuthenticationException>(() =>
            wrong.GetDatabase("admin").RunCommandAsync<BsonDocument>(Doc("{ping: 1}")));
        Assert.Equal(18, Assert.IsType<MongoCommandException>(error.InnerException).Code);

        using var nobody = server.Client("nobody", "whatever");
        var unknown = await Assert.ThrowsAsync<MongoAuthenticationException>(() =>
            nobody.GetDatabase("admin").RunCommandAsync<BsonDocument>(Doc("{ping: 1}")));
        Assert.Equal(18, Assert.IsType<MongoCommandException>(unknown.InnerException).Code);
    }

    [Fact]
    public async Task Without_login_only_the_handshake_and_diagnostics_answer_and_data_commands_are_Unauthorized()
    {
        await using var server = await AuthServer.StartAsync();
        using (var admin = server.AdminClient())
        {
            await admin.GetDatabase("app").GetCollection<BsonDocument>("things").InsertOneAsync(Doc("{_id: 1}"));
        }

        using var anonymous = server.Client();
        var database = anonymous.GetDatabase("app");
        Assert.Equal(1, (await database.RunCommandAsync<BsonDocument>(Doc("{ping: 1}")))["ok"].ToInt32());
        Assert.True((await database.RunCommandAsync<BsonDocument>(Doc("{buildInfo: 1}"))).Contains("version"));

        var collection = database.GetCollection<BsonDocument>("things");
        await AssertUnauthorized(() => collection.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync(), "Command find requires authentication");
        await AssertUnauthorized(() => collection.InsertOneAsync(Doc("{_id: 2}")), "Command insert requires authentication");
        await AssertUnauthorized(() => collection.DeleteOneAsync(Doc("{_id: 1}")), "Command delete requires authentication");
        await AssertUnauthorized(() => anonymous.ListDatabaseNamesAsync(), "Command listDatabases requires authentication");

        using var admin2 = server.AdminClient();
        Assert.Equal(1, await admin2.GetDatabase("app").GetCollection<BsonDocument>("things").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task A_read_user_reads_but_cannot_write()
    {
        await using var server = await AuthServer.StartAsync();
        using var admin = server.AdminClient();
        await admin.GetDatabase("app").GetCollection<BsonDocument>("things").InsertOneAsync(Doc("{_id: 1}"));
        await admin.GetDatabase("app").RunCommandAsync<BsonDocument>(Doc("{createUser: 'reader', pwd: 'reader-pw', roles: ['read']}"));

        using var reader = server.Client("reader", "reader-pw", "app");
        var collection = reader.GetDatabase("app").GetCollection<BsonDocument>("things");
        Assert.Single(await collection.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync());
        await AssertUnauthorized(() => collection.InsertOneAsync(Doc("{_id: 2}")), "not authorized on app to execute command { insert: \"things\"");
        await AssertUnauthorized(() => collection.DeleteOneAsync(Doc("{_id: 1}")), "not authorized on app");
        await AssertUnauthorized(() => reader.GetDatabase("app").CreateCollectionAsync("other"), "not authorized on app");
        Assert.Equal(1, await admin.GetDatabase("app").GetCollection<BsonDocument>("things").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task A_readWrite_user_on_one_database_cannot_touch_another()
    {
        await using var server = await AuthServer.StartAsync();
        using var admin = server.AdminClient();
        await admin.GetDatabase("b").GetCollection<BsonDocument>("things").InsertOneAsync(Doc("{_id: 'secret'}"));
        await admin.GetDatabase("a").RunCommandAsync<BsonDocument>(Doc("{createUser: 'writer', pwd: 'writer-pw', roles: [{role: 'readWrite', db: 'a'}]}"));

        using var writer = server.Client("writer", "writer-pw", "a");
        var own = writer.GetDatabase("a").GetCollection<BsonDocument>("things");
        await own.InsertOneAsync(Doc("{_id: 1}"));
        await own.UpdateOneAsync(Doc("{_id: 1}"), Doc("{$set: {x: 1}}"));
        Assert.Equal(1, (await own.Find(Doc("{_id: 1}")).SingleAsync())["x"].ToInt32());

        var other = writer.GetDatabase("b").GetCollection<BsonDocument>("things");
        await AssertUnauthorized(() => other.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync(), "not authorized on b");
        await AssertUnauthorized(() => other.InsertOneAsync(Doc("{_id: 2}")), "not authorized on b");
        await AssertUnauthorized(() => other.DeleteManyAsync(FilterDefinition<BsonDocument>.Empty), "not authorized on b");
        await AssertUnauthorized(() => writer.GetDatabase("b").DropCollectionAsync("things"), "not authorized on b");
        await AssertUnauthorized(() => own.Database.Client.GetDatabase("admin").GetCollection<BsonDocument>("system.users").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync(), "not authorized on admin");

        // listDatabases shows it only the databases it has a role on, as MongoDB's authorizedDatabases does.
        Assert.Equal(["a"], await (await writer.ListDatabaseNamesAsync()).ToListAsync());
        Assert.Equal(1, await admin.GetDatabase("b").GetCollection<BsonDocument>("things").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task Users_are_created_listed_updated_and_dropped_with_the_user_commands()
    {
        await using var server = await AuthServer.StartAsync();
        using var admin = server.AdminClient();
        var app = admin.GetDatabase("app");
        await app.RunCommandAsync<BsonDocument>(Doc("{createUser: 'svc', pwd: 'first-pw', roles: ['read'], customData: {team: 'ops'}}"));

        var duplicate = await Assert.ThrowsAsync<MongoCommandException>(() => app.RunCommandAsync<BsonDocument>(Doc("{createUser: 'svc', pwd: 'x', roles: []}")));
        Assert.Equal(51003, duplicate.Code);
        var badRole = await Assert.ThrowsAsync<MongoCommandException>(() => app.RunCommandAsync<BsonDocument>(Doc("{createUser: 'other', pwd: 'x', roles: ['emperor']}")));
        Assert.Equal(31, badRole.Code);

        var info = await app.RunCommandAsync<BsonDocument>(Doc("{usersInfo: 'svc'}"));
        var user = Assert.Single(info["users"].AsBsonArray).AsBsonDocument;
        Assert.Equal("app.svc", user["_id"].AsString);
        Assert.Equal(Doc("{role: 'read', db: 'app'}"), user["roles"][0].AsBsonDocument);
        Assert.Equal("ops", user["customData"]["team"].AsString);
        Assert.Equal(new BsonArray { "SCRAM-SHA-256" }, user["mechanisms"].AsBsonArray);
        Assert.False(user.Contains("credentials"), "usersInfo shows credentials only when asked to");
        Assert.Single((await app.RunCommandAsync<BsonDocument>(Doc("{usersInfo: 1}")))["users"].AsBsonArray);

        // A logged-in connection picks up changed roles on its next command, as with MongoDB's user cache invalidation.
        using var svc = server.Client("svc", "first-pw", "app");
        var things = svc.GetDatabase("app").GetCollection<BsonDocument>("things");
        await AssertUnauthorized(() => things.InsertOneAsync(Doc("{_id: 1}")), "not authorized on app");
        await app.RunCommandAsync<BsonDocument>(Doc("{updateUser: 'svc', pwd: 'second-pw', roles: ['readWrite']}"));
        await things.InsertOneAsync(Doc("{_id: 1}"));

        using (var oldPassword = server.Client("svc", "first-pw", "app"))
        {
            await Assert.ThrowsAsync<MongoAuthenticationException>(() => oldPassword.GetDatabase("app").RunCommandAsync<BsonDocument>(Doc("{ping: 1}")));
        }

        using (var newPassword = server.Client("svc", "second-pw", "app"))
        {
            Assert.Equal(1, await newPassword.GetDatabase("app").GetCollection<BsonDocument>("things").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        }

        await app.RunCommandAsync<BsonDocument>(Doc("{dropUser: 'svc'}"));
        Assert.Empty((await app.RunCommandAsync<BsonDocument>(Doc("{usersInfo: 'svc'}")))["users"].AsBsonArray);
        var missing = await Assert.ThrowsAsync<MongoCommandException>(() => app.RunCommandAsync<BsonDocument>(Doc("{dropUser: 'svc'}")));
        Assert.Equal(11, missing.Code);
        await AssertUnauthorized(() => things.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync(), "requires authentication");
        using var dropped = server.Client("svc", "second-pw", "app");
        await Assert.ThrowsAsync<MongoAuthenticationException>(() => dropped.GetDatabase("app").RunCommandAsync<BsonDocument>(Doc("{ping: 1}")));
    }

    [Fact]
    public async Task A_user_administrator_of_one_database_manages_its_users_but_cannot_grant_more()
    {
        await using var server = await AuthServer.StartAsync();
        using var admin = server.AdminClient();
        await admin.GetDatabase("app").RunCommandAsync<BsonDocument>(Doc("{createUser: 'keeper', pwd: 'keeper-pw', roles: ['userAdmin']}"));

        using var keeper = server.Client("keeper", "keeper-pw", "app");
        var app = keeper.GetDatabase("app");
        await app.RunCommandAsync<BsonDocument>(Doc("{createUser: 'worker', pwd: 'worker-pw', roles: ['readWrite']}"));
        Assert.Equal(2, (await app.RunCommandAsync<BsonDocument>(Doc("{usersInfo: 1}")))["users"].AsBsonArray.Count);
        await AssertUnauthorized(() => app.RunCommandAsync<BsonDocument>(Doc("{createUser: 'boss', pwd: 'boss-pw', roles: [{role: 'root', db: 'admin'}]}")), "not authorized");
        await AssertUnauthorized(() => keeper.GetDatabase("other").RunCommandAsync<BsonDocument>(Doc("{createUser: 'x', pwd: 'x-pw', roles: []}")), "not authorized on other");
        await AssertUnauthorized(() => app.GetCollection<BsonDocument>("things").InsertOneAsync(Doc("{_id: 1}")), "not authorized on app");
    }

    [Fact]
    public async Task Passwords_outside_printable_ASCII_are_refused_because_SASLprep_is_not_available()
    {
        await using var server = await AuthServer.StartAsync();
        using var admin = server.AdminClient();
        var error = await Assert.ThrowsAsync<MongoCommandException>(() =>
            admin.GetDatabase("app").RunCommandAsync<BsonDocument>(Doc("{createUser: 'intl', pwd: 'pässwörd', roles: ['read']}")));
        Assert.Equal(2, error.Code);
        Assert.Contains("printable ASCII", error.Message);
        Assert.Empty((await admin.GetDatabase("app").RunCommandAsync<BsonDocument>(Doc("{usersInfo: 'intl'}")))["users"].AsBsonArray);
    }

    [Fact]
    public async Task Users_survive_a_restart_and_the_password_is_never_stored()
    {
        await using var server = await AuthServer.StartAsync();
        using (var admin = server.AdminClient())
        {
            await admin.GetDatabase("app").RunCommandAsync<BsonDocument>(Doc("{createUser: 'svc', pwd: 'kept-secret-pw', roles: ['readWrite']}"));
        }

        await server.RestartAsync();
        using var svc = server.Client("svc", "kept-secret-pw", "app");
        await svc.GetDatabase("app").GetCollection<BsonDocument>("things").InsertOneAsync(Doc("{_id: 1}"));
        Assert.Equal(server.Admin.Password, server.Server.EnsureAdminUser().Password);

        await server.Server.DisposeAsync();
        foreach (var file in Directory.EnumerateFiles(server.DataDirectory).Where(f => !f.EndsWith("zpm-admin.password", StringComparison.Ordinal)))
        {
            var text = System.Text.Encoding.Latin1.GetString(await File.ReadAllBytesAsync(file));
            Assert.DoesNotContain("kept-secret-pw", text);
            Assert.DoesNotContain(server.Admin.Password, text);
        }

        await server.RestartAsync();
    }

    [Fact]
    public async Task The_data_directory_is_private_to_its_owner()
    {
        await using var server = await AuthServer.StartAsync();
        using (var admin = server.AdminClient())
        {
            await admin.GetDatabase("app").GetCollection<BsonDocument>("things").InsertOneAsync(Doc("{_id: 1}"));
        }

        Assert.Equal("700", await StatAsync(server.DataDirectory));
        foreach (var name in new[] { "zpm-mongo.db", "zpm-mongo.db-wal", "zpm-mongo.db-shm", "zpm-mongo.lock", "zpm-admin.password" })
        {
            Assert.Equal("600", await StatAsync(Path.Combine(server.DataDirectory, name)));
        }
    }

    [Fact]
    public async Task Mongosh_logs_in_with_credentials_in_its_connection_string()
    {
        var mongosh = MongoshRunner.Locate();
        await using var server = await AuthServer.StartAsync();
        using (var admin = server.AdminClient())
        {
            await admin.GetDatabase("app").RunCommandAsync<BsonDocument>(Doc("{createUser: 'shell', pwd: 'shell-pw', roles: ['readWrite']}"));
        }

        // connect() with the URI from the environment is mongosh's own URI login (the same handshake as a URI argument),
        // without a password on the command line.
        var uri = server.Server.ConnectionString.Replace("mongodb://", "mongodb://shell:shell-pw@", StringComparison.Ordinal).Replace("/?", "/app?", StringComparison.Ordinal);
        var result = await mongosh.EvalNoDbAsync(
            "const app = connect(process.env.ZPM_TEST_URI); app.things.insertOne({_id: 1, by: 'mongosh'}); "
            + "print('user=' + app.runCommand({connectionStatus: 1}).authInfo.authenticatedUsers[0].user); print('count=' + app.things.countDocuments({}));",
            new Dictionary<string, string> { ["ZPM_TEST_URI"] = uri });
        output.WriteLine(result.ToString());
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("user=shell", result.Stdout);
        Assert.Contains("count=1", result.Stdout);

        var refused = await mongosh.EvalNoDbAsync("connect(process.env.ZPM_TEST_URI).things.countDocuments({})",
            new Dictionary<string, string> { ["ZPM_TEST_URI"] = uri.Replace("shell-pw", "wrong-pw", StringComparison.Ordinal) });
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("Authentication failed", refused.Stdout + refused.Stderr);
    }

    [Fact]
    public async Task Hello_lists_the_users_mechanism_and_answers_a_speculative_first_step()
    {
        await using var server = await AuthServer.StartAsync();
        using var raw = await Robustness.RawWireClient.ConnectAsync(server.Server.ConnectionString);
        var clientFirst = "n,,n=zpm-admin,r=clientnonce0123456789";
        var hello = await raw.CommandAsync(new BsonDocument
        {
            { "hello", 1 }, { "saslSupportedMechs", "admin.zpm-admin" }, { "$db", "admin" },
            {
                "speculativeAuthenticate", new BsonDocument
                {
                    { "saslStart", 1 }, { "mechanism", "SCRAM-SHA-256" }, { "db", "admin" },
                    { "payload", new BsonBinaryData(System.Text.Encoding.UTF8.GetBytes(clientFirst)) },
                }
            },
        }, TimeSpan.FromSeconds(10));
        Assert.Equal(new BsonArray { "SCRAM-SHA-256" }, hello["saslSupportedMechs"].AsBsonArray);
        var speculative = hello["speculativeAuthenticate"].AsBsonDocument;
        Assert.False(speculative["done"].ToBoolean());
        var serverFirst = System.Text.Encoding.UTF8.GetString(speculative["payload"].AsBsonBinaryData.Bytes);
        Assert.StartsWith("r=clientnonce0123456789", serverFirst);
        Assert.Contains(",i=15000", serverFirst);

        var unknown = await raw.CommandAsync(new BsonDocument { { "hello", 1 }, { "saslSupportedMechs", "admin.nobody" }, { "$db", "admin" } }, TimeSpan.FromSeconds(10));
        Assert.False(unknown.Contains("saslSupportedMechs"));
    }

    private static async Task AssertUnauthorized(Func<Task> action, string message)
    {
        var error = await Assert.ThrowsAnyAsync<MongoException>(action);
        var command = error as MongoCommandException ?? (error as MongoWriteException)?.InnerException as MongoCommandException;
        if (error is MongoWriteException write && write.WriteError is { } writeError)
        {
            Assert.Equal(13, writeError.Code);
            Assert.Contains(message, writeError.Message);
            return;
        }

        Assert.NotNull(command);
        Assert.Equal(13, command.Code);
        Assert.Equal("Unauthorized", command.CodeName);
        Assert.Contains(message, command.ErrorMessage);
    }

    private static async Task<string> StatAsync(string path)
    {
        using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%a", path]) { RedirectStandardOutput = true })!;
        var mode = (await stat.StandardOutput.ReadToEndAsync()).Trim();
        await stat.WaitForExitAsync();
        return mode;
    }
}
