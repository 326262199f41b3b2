using System.CommandLine;
using System.Globalization;
using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;
using ZonaProcessManager.Docker;
using ZonaProcessManager.Domain.Model;
using ServiceSpec = ZonaProcessManager.Domain.Model.ServiceSpec;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>
/// `zpm logs NAME [-t tenant] [-f] [--replica N] [--tail N] [--since D]`: what a service's replicas wrote to stdout and
/// stderr, asked of the engine at DOCKER_HOST like `zpm describe`'s endpoints. On one host they are the containers
/// labelled with the service's tenant and name; under Swarm the tasks of its Swarm service (the engine's service logs,
/// whose details name the task). With more than one replica every line starts with "[replica N] ", N the replica's
/// index (its Swarm slot), as `kubectl logs --prefix` names the pod. Lines of one replica keep their order; lines of
/// different replicas interleave as they arrive.
/// </summary>
public static class LogsCommand
{
    private const string TaskIdDetail = "com.docker.swarm.task.id";

    public static Command Create(CliApplication app, CliContext context)
    {
        var name = new Argument<string>("name") { Description = "Service name (an integration's service is named after the integration)" };
        var tenant = new Option<string>("--tenant", "-t") { Description = "Tenant", DefaultValueFactory = _ => ResourceKey.DefaultTenant };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new lines until interrupted (Ctrl+C)" };
        var replica = new Option<int?>("--replica") { Description = "Only this replica (its index, as the prefix shows it)" };
        var tail = new Option<int?>("--tail") { Description = "Only the last N lines of each replica" };
        var since = new Option<string?>("--since") { Description = "Only lines newer than this duration, e.g. 10s, 5m, 2h (at most a day)" };
        var command = new Command("logs", "Print the output of a service's containers (or Swarm tasks)") { name, tenant, follow, replica, tail, since };
        command.SetAction(app.Guard(async (parseResult, cancellationToken) =>
        {
            if (parseResult.GetValue(tail) is < 0)
            {
                throw new CliUsageException("--tail must be 0 or more");
            }

            var request = new LogRequest(
                parseResult.GetValue(follow),
                parseResult.GetValue(tail),
                parseResult.GetValue(since) is { } text ? LeaderElectionOptions.ParseDuration("--since", text) : null);
            var key = new ResourceKey(ServiceSpec.KindName, parseResult.GetValue(tenant)!, parseResult.GetValue(name)!);
            using var client = DockerClientFactory.Create(NodeGetCommand.DockerEndpoint(context));
            var sources = await FindReplicasAsync(client, key, cancellationToken);
            var wanted = parseResult.GetValue(replica);
            if (wanted is { } index)
            {
                sources = [.. sources.Where(source => source.Tasks is not null ? source.Tasks.Values.Contains(index) : source.Replica == index)];
            }

            if (sources.Count == 0)
            {
                await context.Error.WriteLineAsync(wanted is { } missing
                    ? $"error: service {key.Tenant}/{key.Name} has no replica {missing} on the engine"
                    : $"error: service {key.Tenant}/{key.Name} has no containers or Swarm tasks on the engine (is it running? `zpm get services -t {key.Tenant}`)");
                return CliApplication.Failed;
            }

            var replicas = sources.Sum(source => source.Tasks?.Values.Distinct().Count() ?? 1);
            var printer = new LinePrinter(context.Output, prefixed: wanted is null && replicas > 1);
            await Task.WhenAll(sources.Select(source => source.Tasks is null
                ? ContainerLogsAsync(client, source, request, printer, cancellationToken)
                : ServiceLogsAsync(client, source, wanted, request, printer, cancellationToken)));
            return CliApplication.Ok;
        }));
        return command;
    }

    private sealed record LogRequest(bool Follow, int? Tail, TimeSpan? Since)
    {
        public string? SinceUnixSeconds(DateTimeOffset now) =>
            Since is { } since ? (now - since).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) : null;

        public string TailText => Tail?.ToString(CultureInfo.InvariantCulture) ?? "all";
    }

    /// <summary>A container and its replica index, or a Swarm service (Replica -1) with the slot of each of its tasks by task id.</summary>
    private sealed record LogSource(string Id, int Replica, IReadOnlyDictionary<string, int>? Tasks);

    private static async Task<List<LogSource>> FindReplicasAsync(DockerClient client, ResourceKey key, CancellationToken cancellationToken)
    {
        var labels = new Dictionary<string, IDictionary<string, bool>>
        {
            ["label"] = new Dictionary<string, bool>
            {
                [$"{ZpmLabels.Managed}=true"] = true,
                [$"{ZpmLabels.Tenant}={key.Tenant}"] = true,
                [$"{ZpmLabels.Name}={key.Name}"] = true,
            },
        };
        var containers = await client.Containers.ListContainersAsync(new ContainersListParameters { All = true, Filters = labels }, cancellationToken);
        var sources = containers
            // Swarm's task containers carry the service's labels too; their logs come through the service below.
            .Where(container => container.Labels?.ContainsKey("com.docker.swarm.task.id") != true)
            .Select(container => new LogSource(
                container.ID,
                container.Labels is not null && container.Labels.TryGetValue(ZpmLabels.Replica, out var label)
                    && int.TryParse(label, CultureInfo.InvariantCulture, out var index) ? index : 0,
                null))
            .OrderBy(source => source.Replica)
            .ToList();
        if (sources.Count > 0 || !await IsSwarmManagerAsync(client, cancellationToken))
        {
            return sources;
        }

        var services = await client.Swarm.ListServicesAsync(new ServiceListParameters { Filters = labels }, cancellationToken);
        foreach (var service in services)
        {
            var tasks = await client.Tasks.ListAsync(
                new TasksListParameters { Filters = new Dictionary<string, IDictionary<string, bool>> { ["service"] = new Dictionary<string, bool> { [service.ID] = true } } },
                cancellationToken);
            sources.Add(new LogSource(service.ID, -1, tasks.ToDictionary(task => task.ID, task => (int)(task.Slot ?? 0), StringComparer.Ordinal)));
        }

        return sources;
    }

    private static async Task<bool> IsSwarmManagerAsync(DockerClient client, CancellationToken cancellationToken)
    {
        var info = await client.System.GetSystemInfoAsync(cancellationToken);
        return info.Swarm?.ControlAvailable == true;
    }

    private static async Task ContainerLogsAsync(DockerClient client, LogSource source, LogRequest request, LinePrinter printer, CancellationToken cancellationToken)
    {
        using var stream = await client.Containers.GetContainerLogsAsync(
            source.Id,
            new ContainerLogsParameters
            {
                ShowStdout = true,
                ShowStderr = true,
                Follow = request.Follow,
                Tail = request.TailText,
                Since = request.SinceUnixSeconds(DateTimeOffset.UtcNow),
            },
            cancellationToken);
        await ReadLinesAsync(stream, line => printer.WriteAsync(source.Replica, line), cancellationToken);
    }

    /// <summary>A Swarm service's lines carry their task's id in the details, which gives the slot.</summary>
    private static async Task ServiceLogsAsync(
        DockerClient client, LogSource source, int? wantedSlot, LogRequest request, LinePrinter printer, CancellationToken cancellationToken)
    {
        using var stream = await client.Swarm.GetServiceLogsAsync(
            source.Id,
            false,
            new ServiceLogsParameters
            {
                ShowStdout = true,
                ShowStderr = true,
                Details = true,
                Follow = request.Follow,
                Tail = request.TailText,
                Since = request.SinceUnixSeconds(DateTimeOffset.UtcNow),
            },
            cancellationToken);
        await ReadLinesAsync(stream, line =>
        {
            // "k=v,k=v,... message": the details, then the line as the task wrote it.
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var details = space < 0 ? line : line[..space];
            var taskId = details.Split(',').Select(pair => pair.Split('=', 2)).FirstOrDefault(pair => pair.Length == 2 && pair[0] == TaskIdDetail)?[1];
            var slot = taskId is not null && source.Tasks!.TryGetValue(taskId, out var known) ? known : -1;
            return wantedSlot is null || wantedSlot == slot ? printer.WriteAsync(slot, space < 0 ? "" : line[(space + 1)..]) : Task.CompletedTask;
        }, cancellationToken);
    }

    /// <summary>Splits each of the stream's outputs (stdout, stderr) into lines, decoding UTF-8 across reads.</summary>
    private static async Task ReadLinesAsync(MultiplexedStream stream, Func<string, Task> line, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        var characters = new char[Encoding.UTF8.GetMaxCharCount(buffer.Length)];
        var outputs = new Dictionary<MultiplexedStream.TargetStream, (Decoder Decoder, StringBuilder Pending)>();
        while (true)
        {
            var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken);
            if (read.EOF)
            {
                break;
            }

            if (!outputs.TryGetValue(read.Target, out var output))
            {
                outputs[read.Target] = output = (Encoding.UTF8.GetDecoder(), new StringBuilder());
            }

            var count = output.Decoder.GetChars(buffer, 0, read.Count, characters, 0);
            output.Pending.Append(characters, 0, count);
            var content = output.Pending.ToString();
            var lastBreak = content.LastIndexOf('\n');
            if (lastBreak < 0)
            {
                continue;
            }

            output.Pending.Clear().Append(content[(lastBreak + 1)..]);
            foreach (var complete in content[..lastBreak].Split('\n'))
            {
                await line(complete.TrimEnd('\r'));
            }
        }

        foreach (var (_, pending) in outputs.Values.Where(output => output.Pending.Length > 0))
        {
            await line(pending.ToString());
        }
    }

    /// <summary>Writes whole lines, one at a time, from the replicas' readers running at once.</summary>
    private sealed class LinePrinter(TextWriter output, bool prefixed)
    {
        private readonly SemaphoreSlim _gate = new(1, 1);

        public async Task WriteAsync(int replica, string line)
        {
            await _gate.WaitAsync();
            try
            {
                await output.WriteLineAsync(prefixed ? $"[replica {(replica < 0 ? "?" : replica.ToString(CultureInfo.InvariantCulture))}] {line}" : line);
                await output.FlushAsync();
            }
            finally
            {
                _gate.Release();
            }
        }
    }
}
