using System.CommandLine;
using ZonaProcessManager.Mongo;

namespace ZonaProcessManager.Cli;

/// <summary>Options every command accepts (recursive on the root command).</summary>
public sealed class GlobalOptions
{
    private readonly CliContext context;

    public GlobalOptions(CliContext context)
    {
        this.context = context;
        Mongo = new Option<string>("--mongo")
        {
            Description = $"MongoDB connection string (env {CliContext.MongoUriVariable}; default {CliContext.DefaultMongoUri})",
            Recursive = true,
            DefaultValueFactory = _ => context.Environment(CliContext.MongoUriVariable) is { Length: > 0 } uri ? uri : CliContext.DefaultMongoUri,
        };
        Database = new Option<string>("--database")
        {
            Description = "Database holding the zpm collections",
            Recursive = true,
            DefaultValueFactory = _ => ZpmCollections.DefaultDatabase,
        };
        Verbose = new Option<bool>("--verbose") { Description = "Show full error details (stack traces)", Recursive = true };
    }

    public Option<string> Mongo { get; }

    /// <summary>True when the user named a server (--mongo or ZPM_MONGO_URI) rather than taking the default local one.</summary>
    public bool MongoWasChosen(ParseResult parseResult) =>
        parseResult.GetResult(Mongo) is { Implicit: false } || !string.IsNullOrEmpty(context.Environment(CliContext.MongoUriVariable));

    /// <summary>The server to talk to, with the login <see cref="MongoCredentials"/> finds. Never print it.</summary>
    public string ConnectionString(ParseResult parseResult) =>
        MongoCredentials.Apply(parseResult.GetValue(Mongo)!, !MongoWasChosen(parseResult), context.Environment);

    /// <summary>
    /// Who is changing a spec, for its change cause: the MongoDB user this command logs in as when there is one, else
    /// the operating-system user. A user name only, never a password.
    /// </summary>
    public string Actor(ParseResult parseResult) => ActorOf(ConnectionString(parseResult), context.Environment);

    /// <summary><see cref="Actor"/> for a connection string already made.</summary>
    public static string ActorOf(string connectionString, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var url = new MongoDB.Driver.MongoUrl(connectionString);
        if (!string.IsNullOrEmpty(url.Username))
        {
            return url.Username;
        }

        return environment("USER") is { Length: > 0 } user ? user : System.Environment.UserName;
    }

    public Option<string> Database { get; }

    public Option<bool> Verbose { get; }

    public void AddTo(RootCommand root)
    {
        root.Options.Add(Mongo);
        root.Options.Add(Database);
        root.Options.Add(Verbose);
    }

    /// <summary>A client + database for one command; dispose the returned connection when done.</summary>
    public MongoConnection Connect(ParseResult parseResult)
    {
        var client = CliContext.CreateClient(ConnectionString(parseResult));
        return new MongoConnection(client, client.GetDatabase(parseResult.GetValue(Database)!));
    }
}
