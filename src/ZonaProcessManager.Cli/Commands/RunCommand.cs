using System.CommandLine;
using ZonaProcessManager.Cli.Hosting;
using ZonaProcessManager.Docker.Swarm;
using ZonaProcessManager.Domain.Integrations;
using ZonaProcessManager.EmbeddedMongo;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Operator;
using ZonaProcessManager.Operator.Settings;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>
/// `zpm run`: the operator. Without --mongo (and without ZPM_MONGO_URI) it first starts the embedded MongoDB-compatible
/// server in-process on --mongo-port with its data in --data-dir, and prints the connection string so a user can open
/// mongosh on it. It always runs `install` first (idempotent), applies --apply manifests if given, then hands over to
/// <see cref="ZpmOperatorHost.RunAsync"/> until Ctrl+C.
/// </summary>
public static class RunCommand
{
    public static Command Create(CliApplication app, CliContext context)
    {
        var dataDirectory = new Option<string>("--data-dir") { Description = "Data directory of the embedded server (used without --mongo)", DefaultValueFactory = _ => ".zpm" };
        var mongoPort = new Option<int>("--mongo-port") { Description = "Port of the embedded server (0 picks a free one)", DefaultValueFactory = _ => 27017 };
        var apply = new Option<string?>("--apply") { Description = "Apply these manifests (file or directory) before starting, e.g. samples/" };
        var logFormat = new Option<string>("--log-format") { Description = "pretty or json", DefaultValueFactory = _ => "pretty" };
        logFormat.AcceptOnlyFromAmong("pretty", "json");
        var tenants = new Option<string[]>("--tenant", "-t")
        {
            Description = "Manage only these tenants (repeatable); other tenants' containers on the Docker host are left alone. Default: all tenants",
            AllowMultipleArgumentsPerToken = false,
        };
        var portRange = new Option<string>("--port-range")
        {
            Description = "Host ports handed out to integrations, FIRST-LAST",
            DefaultValueFactory = _ => PortRange.Default.ToString(),
        };
        var noAuth = new Option<bool>("--no-auth")
        {
            Description = "Run the embedded server without authentication (a throwaway local run; by default it requires a login and creates user zpm-admin)",
        };
        var revisionHistoryLimit = new Option<int>("--revision-history-limit")
        {
            Description = "How many revisions of each ServiceSpec are kept for zpm rollout history and undo (at least 2)",
            DefaultValueFactory = _ => new OperatorSettings().RevisionHistoryLimit,
        };
        var command = new Command("run", "Run the operator (starts the embedded MongoDB when no --mongo is given)")
        {
            dataDirectory, mongoPort, apply, logFormat, tenants, portRange, noAuth, revisionHistoryLimit,
        };
        var isolationOptions = new IsolationOptions();
        isolationOptions.AddTo(command);
        var runtimeOptions = new RuntimeOptions();
        runtimeOptions.AddTo(command);
        var leaderElectionOptions = new LeaderElectionOptions();
        leaderElectionOptions.AddTo(command);
        var httpOptions = new HttpOptions();
        httpOptions.AddTo(command);
        var dashboardOptions = new DashboardOptions();
        dashboardOptions.AddTo(command);
        var probeOptions = new ProbeOptions();
        probeOptions.AddTo(command);
        command.SetAction(app.Guard(async (parseResult, cancellationToken) =>
        {
            // Checked before anything starts, so a typo never leaves a half-started operator behind.
            var integrationPorts = ParsePortRange(parseResult.GetValue(portRange)!);
            var keptRevisions = ParseRevisionHistoryLimit(parseResult.GetValue(revisionHistoryLimit));
            var isolation = isolationOptions.Parse(parseResult);
            var runtime = await runtimeOptions.ChooseAsync(parseResult, token => SwarmEngineProbe.ProbeAsync((Uri?)null, token), cancellationToken);
            await context.Output.WriteLineAsync($"runtime: {runtime.Describe()}");
            var leaderElection = leaderElectionOptions.Parse(parseResult);
            var http = httpOptions.Parse(parseResult);
            EmbeddedMongoServer? embedded = null;
            try
            {
                // Holds the operator's login when there is one: it stays in this process, never on a command line or in output.
                string connectionString;
                if (!app.Globals.MongoWasChosen(parseResult))
                {
                    var directory = Path.GetFullPath(Path.Combine(parseResult.GetValue(dataDirectory)!, "mongo"));
                    var requireAuthentication = !parseResult.GetValue(noAuth);
                    embedded = await EmbeddedMongoServer.StartAsync(
                        new EmbeddedMongoOptions { Port = parseResult.GetValue(mongoPort), DataDirectory = directory, RequireAuthentication = requireAuthentication },
                        cancellationToken);
                    // The administrator and its password file exist before the connection string is printed, so whoever
                    // reacts to that line can log in.
                    var admin = requireAuthentication ? embedded.EnsureAdminUser() : null;
                    connectionString = admin is null ? embedded.ConnectionString : embedded.ConnectionStringFor(admin.User, admin.Password);
                    await context.Output.WriteLineAsync($"embedded MongoDB listening; connection string: {embedded.ConnectionString}");
                    if (admin is not null)
                    {
                        await EmbeddedServerSecurity.AnnounceAdminAsync(embedded, admin, context.Output, "  ", ReferenceEquals(context.Output, Console.Out) && !Console.IsOutputRedirected);
                        // Other zpm commands find the password by themselves only for the default data directory and address.
                        if (!Path.GetFullPath(MongoCredentials.DefaultPasswordFile).Equals(admin.PasswordFile, StringComparison.Ordinal) || embedded.Port != 27017)
                        {
                            await context.Output.WriteLineAsync(
                                $"  for other zpm commands: export {CliContext.MongoUriVariable}=\"{embedded.ConnectionString}\" {MongoCredentials.PasswordFileVariable}={admin.PasswordFile}");
                        }
                    }
                    else
                    {
                        await context.Error.WriteLineAsync("warning: the embedded MongoDB runs without authentication (--no-auth): anyone on this host can read and change every document");
                        await context.Output.WriteLineAsync($"  open a shell with: mongosh \"{embedded.ConnectionString}\"");
                    }
                }
                else
                {
                    connectionString = app.Globals.ConnectionString(parseResult);
                }

                var database = parseResult.GetValue(app.Globals.Database)!;
                using (var client = CliContext.CreateClient(connectionString))
                {
                    var report = await new SchemaInstaller(client.GetDatabase(database), isolation: isolation).InstallAsync(cancellationToken);
                    await context.Output.WriteLineAsync($"installed: {string.Join(", ", report.ValidatedCollections)} validated, {report.Indexes.Count} indexes");
                    if (parseResult.GetValue(apply) is { } manifests
                        && await ApplyCommand.ApplyPathAsync(
                            context, client.GetDatabase(database), manifests, $"zpm run --apply by {GlobalOptions.ActorOf(connectionString, context.Environment)}", cancellationToken) != CliApplication.Ok)
                    {
                        await context.Error.WriteLineAsync("warning: some manifests were not applied (see above); the operator starts anyway");
                    }
                }

                var settings = new OperatorSettings
                {
                    MongoConnectionString = connectionString,
                    Database = database,
                    LogFormat = parseResult.GetValue(logFormat) == "json" ? LogFormat.Json : LogFormat.Pretty,
                    VerboseLogging = parseResult.GetValue(app.Globals.Verbose),
                    Tenants = parseResult.GetValue(tenants) is { Length: > 0 } scope ? scope.ToHashSet(StringComparer.Ordinal) : null,
                    IntegrationPorts = integrationPorts,
                    Isolation = isolation,
                    LeaderElection = leaderElection,
                    Http = http,
                    Dashboard = await dashboardOptions.ParseAndAnnounceAsync(parseResult, context.Error),
                    Probes = probeOptions.Parse(parseResult),
                    RevisionHistoryLimit = keptRevisions,
                };
                await ZpmOperatorHost.RunAsync(settings, runtime, cancellationToken);
                return CliApplication.Ok;
            }
            finally
            {
                if (embedded is not null)
                {
                    await embedded.DisposeAsync();
                }
            }
        }));
        return command;
    }

    /// <summary>`--revision-history-limit`: undo needs the current revision and one before it.</summary>
    public static int ParseRevisionHistoryLimit(int limit) =>
        limit >= 2 ? limit : throw new CliUsageException($"--revision-history-limit must be at least 2 (the current revision and one to go back to), got {limit}");

    private static PortRange ParsePortRange(string text)
    {
        var parts = text.Split('-', StringSplitOptions.TrimEntries);
        if (parts.Length == 2
            && int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var first)
            && int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var last)
            && first is >= 1 and <= 65535 && last is >= 1 and <= 65535 && first <= last)
        {
            return new PortRange(first, last);
        }

        throw new CliUsageException($"--port-range '{text}' is not FIRST-LAST with 1 <= FIRST <= LAST <= 65535 (e.g. 20000-29999)");
    }
}
