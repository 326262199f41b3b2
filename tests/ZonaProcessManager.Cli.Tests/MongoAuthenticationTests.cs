using System.Diagnostics;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Cli.Tests;

/// <summary>
/// `zpm mongo serve` as a user starts it: authentication on, zpm-admin created once with its password in an owner-only
/// file that is never printed to redirected output, the other commands finding that password without a command line,
/// and no unauthenticated server on an address other hosts reach.
/// </summary>
public sealed class MongoAuthenticationTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "zpm-cli-auth-" + Guid.NewGuid().ToString("N"));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }

        return Task.CompletedTask;
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Mongo_serve_creates_zpm_admin_once_with_a_private_password_file_and_requires_login()
    {
        string password;
        await using (var server = await MongoServerProcess.StartAsync(_dataDirectory, output))
        {
            var passwordFile = Path.Combine(_dataDirectory, "zpm-admin.password");
            password = AdminLogin.ReadPassword(_dataDirectory) ?? throw new InvalidOperationException("no password file:\n" + server.Log);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(passwordFile));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_dataDirectory));
            Assert.Matches($@"zpm mongo serve: accepting connections at mongodb://127\.0\.0\.1:{server.Port}/\?replicaSet=rs0", server.Log);
            Assert.Contains($"created user zpm-admin (role root), its password is in {passwordFile}", server.Log);
            Assert.DoesNotContain(password, server.Log);

            using var anonymous = new MongoClient(server.PrintedConnectionString);
            var refused = await Assert.ThrowsAsync<MongoCommandException>(() =>
                anonymous.GetDatabase("zpm").GetCollection<BsonDocument>("services").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync());
            Assert.Equal(13, refused.Code);

            using var admin = new MongoClient(server.ConnectionString);
            await admin.GetDatabase("zpm").GetCollection<BsonDocument>("services").InsertOneAsync(new BsonDocument("_id", 1));
            Assert.Equal(0, await server.StopAsync(TimeSpan.FromSeconds(30)));
        }

        await using (var restarted = await MongoServerProcess.StartAsync(_dataDirectory, output))
        {
            Assert.Contains("the password of zpm-admin is in", restarted.Log);
            Assert.DoesNotContain("created user", restarted.Log);
            Assert.Equal(password, AdminLogin.ReadPassword(_dataDirectory));
            using var admin = new MongoClient(restarted.ConnectionString);
            Assert.Equal(1, await admin.GetDatabase("zpm").GetCollection<BsonDocument>("services").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        }
    }

    [Fact]
    public async Task Commands_find_the_password_through_ZPM_MONGO_PASSWORD_FILE_and_fail_clearly_without_it()
    {
        await using var server = await MongoServerProcess.StartAsync(_dataDirectory, output);
        var passwordFile = Path.Combine(_dataDirectory, "zpm-admin.password");

        var withFile = await CliRunner.RunWithEnvironmentAsync(
            new Dictionary<string, string> { ["ZPM_MONGO_PASSWORD_FILE"] = passwordFile }, "install", "--mongo", server.PrintedConnectionString);
        Assert.True(withFile.ExitCode == 0, withFile.Error);
        var listed = await CliRunner.RunWithEnvironmentAsync(
            new Dictionary<string, string> { ["ZPM_MONGO_URI"] = server.PrintedConnectionString, ["ZPM_MONGO_PASSWORD_FILE"] = passwordFile }, "get", "services");
        Assert.True(listed.ExitCode == 0, listed.Error);

        var without = await CliRunner.RunAsync("get", "services", "--mongo", server.PrintedConnectionString);
        Assert.Equal(1, without.ExitCode);
        Assert.Contains("requires authentication", without.Error);
        Assert.DoesNotContain(AdminLogin.ReadPassword(_dataDirectory)!, withFile.Output + withFile.Error + listed.Output + listed.Error);
    }

    [Fact]
    public void The_default_local_address_uses_the_password_file_of_the_default_data_directory_and_nothing_else_does()
    {
        var workingDirectory = Path.Combine(_dataDirectory, "project");
        Directory.CreateDirectory(Path.Combine(workingDirectory, ".zpm", "mongo"));
        File.WriteAllText(Path.Combine(workingDirectory, ".zpm", "mongo", "zpm-admin.password"), "from-make-run\n");

        var discovered = new MongoUrl(MongoCredentials.Apply(CliContext.DefaultMongoUri, defaultAddress: true, _ => null, workingDirectory));
        Assert.Equal(("zpm-admin", "from-make-run", "admin"), (discovered.Username, discovered.Password, discovered.AuthenticationSource));

        // A server the user named gets no password it did not ask for; credentials in the URI always win.
        Assert.Equal("mongodb://db.example:27017", MongoCredentials.Apply("mongodb://db.example:27017", defaultAddress: false, _ => null, workingDirectory));
        var explicitLogin = new MongoUrl(MongoCredentials.Apply("mongodb://me:mine@127.0.0.1:27017", defaultAddress: true, _ => null, workingDirectory));
        Assert.Equal(("me", "mine"), (explicitLogin.Username, explicitLogin.Password));
    }

    [Fact]
    public async Task Mongo_serve_refuses_a_non_loopback_address_without_authentication()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { MongoServerProcess.DefaultZpmDll, "mongo", "serve", "--port", "0", "--dbpath", _dataDirectory, "--bind", "0.0.0.0", "--no-auth" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);
        output.WriteLine(await stdout + await stderr);
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("refusing to listen on 0.0.0.0 without authentication", await stderr);
        Assert.DoesNotContain("accepting connections", await stdout);
    }
}
