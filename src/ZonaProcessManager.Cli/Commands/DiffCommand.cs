using System.CommandLine;
using MongoDB.Driver;
using ZonaProcessManager.Cli.Diff;
using ZonaProcessManager.Cli.Hosting;
using ZonaProcessManager.Docker.Swarm;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>
/// `zpm diff -f FILE|DIR`: what `zpm apply` would change, without writing anything (<see cref="ManifestDiffer"/>).
/// Exit codes as `kubectl diff`'s: 0 no differences, 1 differences, 2 error (a bad manifest, a bad option, MongoDB not
/// answering). Apply's "1 = error" cannot be kept here, since 1 means "differences"; an engine that does not answer is
/// not an error: the document diff is still printed and decides the code, the operator part says it was not computed.
/// </summary>
public static class DiffCommand
{
    public const int NoDifferences = 0;
    public const int Differences = 1;
    public const int Error = 2;

    public static Command Create(CliApplication app, CliContext context)
    {
        var file = new Option<string>("--filename", "-f") { Description = "A YAML/JSON file or a directory of them", Required = true };
        var runtimeOptions = new RuntimeOptions();
        var command = new Command("diff", "Show what apply would change: each document's field changes against the stored one (secrets masked) and what the "
            + "operator would do on the engine; writes nothing. Exit code 0 no differences, 1 differences, 2 error (a bad manifest or option, "
            + "MongoDB not answering; an engine that does not answer is not an error: the plan then reads \"not computed\")") { file };
        runtimeOptions.AddTo(command);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            // Guard reports an exception as apply's 1 or 2; here every failure is 2, and 1 keeps its meaning "differences".
            DiffSummary? summary = null;
            var code = await app.Guard(async (parsed, token) =>
            {
                using var connection = app.Globals.Connect(parsed);
                var endpoint = NodeGetCommand.DockerEndpoint(context);
                var choose = (CancellationToken choosing) => runtimeOptions.ChooseAsync(parsed, probe => SwarmEngineProbe.ProbeAsync(endpoint, probe), choosing);
                summary = await DiffAsync(context, connection.Database, parsed.GetValue(file)!, choose, ApplyCommand.ChangeCauseOf(app, parsed), dryRun: false, token);
                return CliApplication.Ok;
            })(parseResult, cancellationToken);
            return code != CliApplication.Ok || summary is null || summary.Failed > 0 ? Error
                : summary.Changed > 0 ? Differences
                : NoDifferences;
        });
        return command;
    }

    /// <summary>Prints the diff of every manifest under <paramref name="path"/>; shared by `zpm diff` and `zpm apply --dry-run`.</summary>
    public static async Task<DiffSummary> DiffAsync(
        CliContext context, IMongoDatabase database, string path, Func<CancellationToken, Task<WorkloadRuntimeChoice>> chooseRuntime, string changeCause, bool dryRun,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var runtime = new PreviewRuntime(chooseRuntime, NodeGetCommand.DockerEndpoint(context), context.Time);
        return await new ManifestDiffer(context, database, runtime, changeCause, dryRun).RunAsync(path, cancellationToken);
    }

    /// <summary>`--runtime auto` with the Swarm runtime's default options: what `zpm apply --dry-run` previews with.</summary>
    public static Func<CancellationToken, Task<WorkloadRuntimeChoice>> AutoRuntime(CliContext context) => async cancellationToken =>
    {
        try
        {
            var state = await SwarmEngineProbe.ProbeAsync(NodeGetCommand.DockerEndpoint(context), cancellationToken);
            return state.IsActiveManager
                ? new WorkloadRuntimeChoice(WorkloadRuntimeKind.Swarm, $"the engine is {state.Describe()}", new SwarmRuntimeOptions())
                : new WorkloadRuntimeChoice(WorkloadRuntimeKind.Docker, $"the engine is {state.Describe()}");
        }
        catch (ContainerRuntimeException unreachable)
        {
            return new WorkloadRuntimeChoice(WorkloadRuntimeKind.Docker, $"the engine did not answer ({unreachable.EngineMessage})");
        }
    };
}
