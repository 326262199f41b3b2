using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace ZonaProcessManager.Testing.Docker;

/// <summary>
/// Checks network reachability between the tests' own containers (e.g. tenant isolation) by connecting
/// from inside one container to another. Needs nc and sh in the source container (zpm/busybox has them). busybox's
/// nc is used rather than wget because its connect timeout works (wget -T crashes in the static build).
/// </summary>
public static class DockerReachability
{
    /// <summary>True when a TCP connection from <paramref name="fromContainerId"/> to host:port succeeds within the timeout.</summary>
    public static async Task<bool> CanConnectAsync(
        DockerClient client, string fromContainerId, string host, int port, TimeSpan? connectTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        var seconds = Math.Max(1, (int)Math.Ceiling((connectTimeout ?? TimeSpan.FromSeconds(2)).TotalSeconds));
        var exec = await client.Exec.CreateContainerExecAsync(
            fromContainerId,
            new ContainerExecCreateParameters
            {
                AttachStdout = true,
                AttachStderr = true,
                Cmd = ["sh", "-c", string.Create(CultureInfo.InvariantCulture, $"nc -w {seconds} {host} {port} </dev/null")],
            }).ConfigureAwait(false);
        // Attached, not detached: Docker.DotNet always expects a hijacked stream, which ends when the command does.
        using (var output = await client.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters())
            .ConfigureAwait(false))
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(seconds + 15));
            await output.ReadOutputToEndAsync(deadline.Token).ConfigureAwait(false);
        }

        var finished = await Poll.UntilAsync(
            () => client.Exec.InspectContainerExecAsync(exec.ID),
            inspection => !inspection.Running && inspection.ExitCode is not null,
            TimeSpan.FromSeconds(10),
            $"nc from {fromContainerId} to {host}:{port} to finish",
            TimeSpan.FromMilliseconds(100)).ConfigureAwait(false);
        return finished.ExitCode == 0;
    }

    /// <summary>The container's IP address on one network.</summary>
    public static async Task<string> IpAddressAsync(DockerClient client, string containerId, string network)
    {
        ArgumentNullException.ThrowIfNull(client);
        var inspection = await client.Containers.InspectContainerAsync(containerId).ConfigureAwait(false);
        if (inspection.NetworkSettings?.Networks is { } networks
            && networks.TryGetValue(network, out var endpoint)
            && !string.IsNullOrEmpty(endpoint.IPAddress))
        {
            return endpoint.IPAddress;
        }

        throw new InvalidOperationException($"Container {containerId} has no address on network {network}.");
    }
}
