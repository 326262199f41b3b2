using MongoDB.Driver;
using Spectre.Console;

namespace ZonaProcessManager.Cli;

/// <summary>A usage mistake the parser could not catch (e.g. a bad -o value combination): exit code 2.</summary>
public sealed class CliUsageException(string message) : Exception(message);

/// <summary>
/// Where one CLI invocation writes and how it reads the environment: passed in, never global, so tests run commands
/// in-process side by side with their own writers and environment.
/// </summary>
public sealed class CliContext
{
    public const string MongoUriVariable = "ZPM_MONGO_URI";
    public const string DefaultMongoUri = "mongodb://127.0.0.1:27017/?directConnection=true";

    public CliContext(TextWriter output, TextWriter error, Func<string, string?>? environment = null, TextReader? input = null, TimeProvider? time = null)
    {
        Input = input ?? System.Console.In;
        Time = time ?? TimeProvider.System;
        Output = output;
        Error = error;
        Environment = environment ?? System.Environment.GetEnvironmentVariable;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = ReferenceEquals(output, System.Console.Out) ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = ReferenceEquals(output, System.Console.Out) ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        if (!ReferenceEquals(output, System.Console.Out) || System.Console.IsOutputRedirected)
        {
            // Captured or piped output has no terminal width; Spectre's 80 columns would wrap messages mid-word, which
            // breaks grep in scripts, and shrink a wide table to a lone "…".
            Console.Profile.Width = 200;
        }
    }

    /// <summary>Standard input: where `-p name=-` reads a parameter value.</summary>
    public TextReader Input { get; }

    public TextWriter Output { get; }

    public TextWriter Error { get; }

    public Func<string, string?> Environment { get; }

    /// <summary>The clock of waits and deadlines (`--wait`, `--watch`).</summary>
    public TimeProvider Time { get; }

    /// <summary>
    /// Spectre console over <see cref="Output"/>, plain text when not a terminal. Tables do not go through it: they are
    /// <see cref="ZonaProcessManager.Cli.Output.TextTable"/> lines, the same in a terminal and in a pipe.
    /// </summary>
    public IAnsiConsole Console { get; }

    /// <summary>
    /// A client for one command. Server selection gives up after 10 s (unless the URI says otherwise) so that a CLI
    /// pointed at nothing says so quickly instead of hanging for the driver's default 30 s.
    /// </summary>
    public static MongoClient CreateClient(string connectionString)
    {
        var settings = MongoClientSettings.FromConnectionString(connectionString);
        if (!connectionString.Contains("serverSelectionTimeoutMS", StringComparison.OrdinalIgnoreCase))
        {
            settings.ServerSelectionTimeout = TimeSpan.FromSeconds(10);
        }

        return new MongoClient(settings);
    }
}
