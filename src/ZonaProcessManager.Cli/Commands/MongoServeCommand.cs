using System.CommandLine;
using System.Runtime.InteropServices;
using ZonaProcessManager.EmbeddedMongo;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>`zpm mongo serve`: runs the embedded MongoDB-compatible server in the foreground until SIGINT/SIGTERM.</summary>
public static class MongoServeCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "TCP port to listen on (0 picks a free one)", DefaultValueFactory = _ => 27017 };
        var dbPath = new Option<string>("--dbpath") { Description = "Directory holding the data files (created if missing)", DefaultValueFactory = _ => "zpm-mongo-data" };
        var bind = new Option<string>("--bind") { Description = "Address to listen on; loopback unless you need more", DefaultValueFactory = _ => "127.0.0.1" };
        var replSet = new Option<string>("--replset") { Description = "Replica set name reported to clients (change streams need one)", DefaultValueFactory = _ => "rs0" };
        var retention = new Option<double>("--history-hours") { Description = "Hours of change-stream history kept for resuming", DefaultValueFactory = _ => 24 };
        var noAuth = new Option<bool>("--no-auth")
        {
            Description = "Serve without authentication (a throwaway local server only; refused with a non-loopback --bind)",
        };
        var enableTestCommands = new Option<bool>("--enable-test-commands")
        {
            Description = "Enable test commands (configureFailPoint with failCommand), as mongod --setParameter enableTestCommands=1; for testing clients only",
        };
        var serve = new Command("serve", "Run the embedded MongoDB-compatible server in the foreground (authentication on; the first start creates user zpm-admin)")
        {
            port, dbPath, bind, replSet, retention, noAuth, enableTestCommands,
        };
        serve.SetAction(async (parseResult, cancellationToken) =>
        {
            var requireAuthentication = !parseResult.GetValue(noAuth);
            try
            {
                if (EmbeddedServerSecurity.CheckBind(parseResult.GetValue(bind)!, requireAuthentication) is { } warning)
                {
                    Console.Error.WriteLine($"zpm mongo serve: {warning}");
                }
            }
            catch (CliUsageException exception)
            {
                Console.Error.WriteLine($"zpm mongo serve: {exception.Message}");
                return 2;
            }

            var options = new EmbeddedMongoOptions
            {
                RequireAuthentication = requireAuthentication,
                EnableTestCommands = parseResult.GetValue(enableTestCommands),
                Port = parseResult.GetValue(port),
                DataDirectory = parseResult.GetValue(dbPath)!,
                BindAddress = parseResult.GetValue(bind)!,
                ReplicaSetName = parseResult.GetValue(replSet)!,
                ChangeStreamHistoryRetention = TimeSpan.FromHours(parseResult.GetValue(retention)),
                Log = message => Console.Error.WriteLine($"{DateTime.UtcNow:O} {message}"),
            };
            EmbeddedMongoServer server;
            try
            {
                server = await EmbeddedMongoServer.StartAsync(options, cancellationToken);
            }
            catch (Exception exception) when (exception is InvalidOperationException or IOException or System.Net.Sockets.SocketException or ArgumentException)
            {
                Console.Error.WriteLine($"zpm mongo serve: cannot start: {exception.Message}");
                return 1;
            }

            // SIGTERM must end in a clean shutdown with exit code 0, not the runtime's default termination (143).
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, RequestStop);
            using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, RequestStop);
            await using (server)
            {
                if (requireAuthentication)
                {
                    await EmbeddedServerSecurity.AnnounceAdminAsync(server, server.EnsureAdminUser(), Console.Out, "zpm mongo serve: ", !Console.IsOutputRedirected);
                }
                else
                {
                    Console.Error.WriteLine("zpm mongo serve: warning: authentication is off (--no-auth): anyone on this host can read and change every document");
                }

                if (options.EnableTestCommands)
                {
                    Console.Error.WriteLine("zpm mongo serve: warning: test commands are enabled (--enable-test-commands): clients can make the server fail, stall or drop other clients' commands");
                }

                Console.Out.WriteLine($"zpm mongo serve: accepting connections at {server.ConnectionString}");
                Console.Out.Flush();
                try
                {
                    await Task.Delay(Timeout.Infinite, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    Console.Error.WriteLine("zpm mongo serve: stopping");
                }
            }

            return 0;

            void RequestStop(PosixSignalContext signal)
            {
                signal.Cancel = true;
                stop.Cancel();
            }
        });
        return new Command("mongo", "The embedded MongoDB-compatible server") { serve };
    }
}
