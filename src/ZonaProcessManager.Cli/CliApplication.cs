using System.CommandLine;
using ZonaProcessManager.Cli.Commands;
using ZonaProcessManager.Mongo;

namespace ZonaProcessManager.Cli;

/// <summary>
/// The `zpm` command line. Exit codes: 0 ok, 1 error (one clear line on stderr; the stack trace only with --verbose),
/// 2 usage. Runs in-process with the writers and environment of its <see cref="CliContext"/>, which is how the tests
/// drive it.
/// </summary>
public sealed class CliApplication
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;

    private readonly CliContext _context;

    public CliApplication(CliContext context)
    {
        _context = context;
        Globals = new GlobalOptions(context);
        Root = BuildRoot();
    }

    public GlobalOptions Globals { get; }

    public RootCommand Root { get; }

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken = default)
    {
        var parseResult = Root.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var error in parseResult.Errors)
            {
                await _context.Error.WriteLineAsync("error: " + error.Message);
            }

            await _context.Error.WriteLineAsync("Run 'zpm --help' for usage.");
            return Usage;
        }

        var configuration = new InvocationConfiguration { Output = _context.Output, Error = _context.Error, EnableDefaultExceptionHandler = false };
        return await parseResult.InvokeAsync(configuration, cancellationToken);
    }

    /// <summary>Wraps a command body: turns exceptions into one error line and the documented exit code.</summary>
    public Func<ParseResult, CancellationToken, Task<int>> Guard(Func<ParseResult, CancellationToken, Task<int>> body) =>
        async (parseResult, cancellationToken) =>
        {
            try
            {
                return await body(parseResult, cancellationToken);
            }
            catch (CliUsageException exception)
            {
                await _context.Error.WriteLineAsync("error: " + exception.Message);
                return Usage;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return Ok;
            }
            catch (Exception exception)
            {
                var verbose = parseResult.GetValue(Globals.Verbose);
                await _context.Error.WriteLineAsync("error: " + OneLine(exception));
                if (verbose)
                {
                    // A driver exception's ToString embeds the server's errInfo (refused values, secrets included).
                    await _context.Error.WriteLineAsync(IsDriverError(exception) ? exception.StackTrace : exception.ToString());
                }

                return Failed;
            }
        };

    private static string OneLine(Exception exception)
    {
        var message = exception switch
        {
            TimeoutException when exception.Message.Contains("selecting a server", StringComparison.OrdinalIgnoreCase) =>
                "cannot reach MongoDB (server selection timed out); check --mongo or ZPM_MONGO_URI",
            _ when IsDriverError(exception) => MongoErrors.Describe(exception),
            _ => exception.Message,
        };
        return message.ReplaceLineEndings(" ");
    }

    private static bool IsDriverError(Exception exception) =>
        exception is MongoDB.Driver.MongoException || exception.InnerException is MongoDB.Driver.MongoException;

    private RootCommand BuildRoot()
    {
        var root = new RootCommand("zpm — ZonaProcessManager: runs ServiceSpec documents from MongoDB as Docker containers");
        Globals.AddTo(root);
        root.Subcommands.Add(InstallCommand.Create(this, _context));
        root.Subcommands.Add(ApplyCommand.Create(this, _context));
        root.Subcommands.Add(DiffCommand.Create(this, _context));
        root.Subcommands.Add(GetCommand.Create(this, _context));
        root.Subcommands.Add(DescribeCommand.Create(this, _context));
        root.Subcommands.Add(LogsCommand.Create(this, _context));
        root.Subcommands.Add(DeleteCommand.Create(this, _context));
        root.Subcommands.Add(RolloutCommand.Create(this, _context));
        root.Subcommands.Add(TenantCommand.Create(this, _context));
        root.Subcommands.Add(ReleaseCommand.Create(this, _context));
        root.Subcommands.Add(PortCommands.Port(this, _context));
        root.Subcommands.Add(PortCommands.Ports(this, _context));
        root.Subcommands.Add(GraphCommand.Create(this, _context));
        root.Subcommands.Add(RunCommand.Create(this, _context));
        root.Subcommands.Add(MongoServeCommand.Create());
        return root;
    }
}
