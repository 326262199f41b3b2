using System.Diagnostics;
using System.Globalization;
using System.Text;
using Docker.DotNet;
using ZonaProcessManager.Docker;

namespace ZonaProcessManager.Testing.Swarm;

/// <summary>
/// The real multi-node Docker Swarm that scripts/swarm-lab.sh makes on this machine. <see cref="EnsureUpAsync"/> runs
/// `swarm-lab.sh up` (idempotent: it also repairs a stopped dockerd, a node that left or a node left drained) and
/// fails loudly with the script's output when the lab cannot be made; it never skips. The lab is left running for the
/// next test class: `make test` takes it down after the whole run unless it found one already there, and
/// `scripts/swarm-lab.sh down` (`make swarm-lab-down`) does so by hand. Tests share the lab with each other, so every
/// object they make carries a <see cref="SwarmTestRun"/> id.
/// </summary>
public sealed class SwarmLab
{
    public const int DefaultNodeCount = 3;

    /// <summary>The node label swarm-lab.sh puts on node I as zone-I.</summary>
    public const string ZoneLabel = "zpm-lab-zone";

    public const string ScriptRelativePath = "scripts/swarm-lab.sh";

    private static readonly TimeSpan ScriptDeadline = TimeSpan.FromMinutes(10);
    private static readonly SemaphoreSlim ScriptGate = new(1, 1);

    private SwarmLab(IReadOnlyList<SwarmLabNode> nodes)
    {
        Nodes = nodes;
    }

    public IReadOnlyList<SwarmLabNode> Nodes { get; }

    public SwarmLabNode Manager => Nodes[0];

    /// <summary>The manager's endpoint: what DOCKER_HOST of a `zpm run` on the lab is set to.</summary>
    public Uri ManagerEndpoint => Manager.Endpoint;

    public IEnumerable<SwarmLabNode> Workers => Nodes.Skip(1);

    /// <summary>A Docker client on the manager; the caller disposes it.</summary>
    public DockerClient CreateManagerClient() => DockerClientFactory.Create(ManagerEndpoint);

    /// <summary>A Docker client on one node's own dockerd (e.g. to exec into a task's container there).</summary>
    public static DockerClient CreateClient(SwarmLabNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return DockerClientFactory.Create(node.Endpoint);
    }

    public SwarmLabNode NodeById(string nodeId) =>
        Nodes.FirstOrDefault(node => node.NodeId == nodeId)
        ?? throw new InvalidOperationException($"Node {nodeId} is not one of the lab's ({string.Join(", ", Nodes.Select(n => n.NodeId))}).");

    /// <summary>Brings the lab up (or repairs it) and returns its nodes; throws with the script's output on failure.</summary>
    public static async Task<SwarmLab> EnsureUpAsync(int nodeCount = DefaultNodeCount)
    {
        var result = await RunScriptAsync("up", nodeCount.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
        var nodes = ParseStatus(result.Stdout);
        if (result.ExitCode != 0 || nodes.Count != nodeCount || nodes.Any(node => node.NodeId == "-"))
        {
            throw new InvalidOperationException(
                $"scripts/swarm-lab.sh up {nodeCount} did not make a whole lab (exit {result.ExitCode}); it needs root, "
                + $"ip, nsenter, iptables and dockerd (it installs them with apt-get when it can).\n{result}");
        }

        return new SwarmLab(nodes);
    }

    /// <summary>Stops one node's dockerd, as a machine failure would; <see cref="EnsureUpAsync"/> starts it again.</summary>
    public static async Task StopNodeAsync(SwarmLabNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var result = await RunScriptAsync("stop-node", node.Index.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/swarm-lab.sh stop-node {node.Index} failed:\n{result}");
        }
    }

    /// <summary>The repository root: the first directory above the test assembly that holds scripts/swarm-lab.sh.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, ScriptRelativePath)))
                {
                    return directory.FullName;
                }
            }

            throw new DirectoryNotFoundException($"{ScriptRelativePath} not found above {AppContext.BaseDirectory}.");
        }
    }

    private static List<SwarmLabNode> ParseStatus(string stdout)
    {
        // Lines: node <TAB> index <TAB> endpoint <TAB> address <TAB> node id <TAB> role <TAB> state.
        var nodes = new List<SwarmLabNode>();
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split('\t');
            if (fields.Length != 7 || fields[0] != "node")
            {
                continue;
            }

            var index = int.Parse(fields[1], CultureInfo.InvariantCulture);
            nodes.Add(new SwarmLabNode(
                index, new Uri(fields[2]), fields[3], fields[4], fields[5],
                "zpmlab-n" + index.ToString(CultureInfo.InvariantCulture)));
        }

        return nodes;
    }

    private static async Task<SwarmLabScriptResult> RunScriptAsync(params string[] arguments)
    {
        var root = RepositoryRoot;
        var startInfo = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        startInfo.ArgumentList.Add(Path.Combine(root, ScriptRelativePath));
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // One script at a time per process; the script's own lock covers other processes.
        await ScriptGate.WaitAsync().ConfigureAwait(false);
        try
        {
            using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("could not start bash");
            process.StandardInput.Close();
            var stdout = new StringBuilder();
            var stderr = new StringBuilder();
            var readOut = PumpAsync(process.StandardOutput, stdout);
            var readErr = PumpAsync(process.StandardError, stderr);
            using var deadline = new CancellationTokenSource(ScriptDeadline);
            try
            {
                await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The lab's dockerds run in sessions of their own, so this ends the script and not the lab.
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().ConfigureAwait(false);
                await Task.WhenAll(readOut, readErr).ConfigureAwait(false);
                throw new TimeoutException(
                    $"scripts/swarm-lab.sh {string.Join(' ', arguments)} did not finish within {ScriptDeadline.TotalMinutes:0} min:\n"
                    + new SwarmLabScriptResult(-1, stdout.ToString(), stderr.ToString()));
            }

            await Task.WhenAll(readOut, readErr).ConfigureAwait(false);
            return new SwarmLabScriptResult(process.ExitCode, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            ScriptGate.Release();
        }
    }

    private static async Task PumpAsync(StreamReader reader, StringBuilder sink)
    {
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            sink.Append(buffer, 0, read);
        }
    }
}
