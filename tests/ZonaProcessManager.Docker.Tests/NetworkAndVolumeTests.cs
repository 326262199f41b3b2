using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Testing.Docker;
using static ZonaProcessManager.Docker.Tests.DockerTestSpecs;

namespace ZonaProcessManager.Docker.Tests;

/// <summary>Networks and volumes are ensured idempotently and containers join and mount them.</summary>
public sealed class NetworkAndVolumeTests(DockerTestEnvironment environment) : IClassFixture<DockerTestEnvironment>
{
    private DockerContainerRuntime Runtime => environment.Runtime;

    private async Task<IReadOnlyList<global::Docker.DotNet.Models.NetworkResponse>> NetworksNamedAsync(string name) =>
        (await environment.Client.Networks.ListNetworksAsync(new global::Docker.DotNet.Models.NetworksListParameters()))
        .Where(n => n.Name == name)
        .ToList();

    [Fact]
    public async Task Ensuring_a_network_twice_or_at_once_makes_exactly_one_labelled_network()
    {
        var name = environment.NewName("net");

        await Task.WhenAll(
            Runtime.EnsureNetworkAsync(name, environment.RunLabels, CancellationToken.None),
            Runtime.EnsureNetworkAsync(name, environment.RunLabels, CancellationToken.None));
        await Runtime.EnsureNetworkAsync(name, environment.RunLabels, CancellationToken.None);

        var network = Assert.Single(await NetworksNamedAsync(name));
        Assert.Equal("true", network.Labels[ZpmLabels.Managed]);
        Assert.Equal(environment.RunId, network.Labels[ZpmLabels.TestRun]);
    }

    [Fact]
    public async Task Ensuring_from_two_processes_at_once_converges_on_one_network()
    {
        var name = environment.NewName("net");
        // Two runtimes stand for two operator processes: they share no lock, so Docker may create the name twice.
        using var otherProcess = DockerContainerRuntime.Create();

        await Task.WhenAll(
            Runtime.EnsureNetworkAsync(name, environment.RunLabels, CancellationToken.None),
            otherProcess.EnsureNetworkAsync(name, environment.RunLabels, CancellationToken.None));

        Assert.Single(await NetworksNamedAsync(name));
    }

    [Fact]
    public async Task Removing_a_network_is_idempotent()
    {
        var name = environment.NewName("net");
        await Runtime.EnsureNetworkAsync(name, environment.RunLabels, CancellationToken.None);

        await Runtime.RemoveNetworkAsync(name, CancellationToken.None);
        await Runtime.RemoveNetworkAsync(name, CancellationToken.None);

        Assert.Empty(await NetworksNamedAsync(name));
    }

    [Fact]
    public async Task A_network_removed_behind_the_runtimes_back_fails_one_create_and_is_then_ensured_again()
    {
        // Ensure remembers networks it has seen, so that it need not list them on every reconcile; a create that finds
        // one gone must make the next ensure look again, or the service would stay broken.
        var name = environment.NewName("net");
        await Runtime.EnsureNetworkAsync(name, environment.RunLabels, CancellationToken.None);
        foreach (var network in await NetworksNamedAsync(name))
        {
            await environment.Client.Networks.DeleteNetworkAsync(network.ID);
        }

        var replica = Replica(environment, NewOwner(environment), HttpService() with { Networks = [name] });
        var error = await Assert.ThrowsAsync<ContainerRuntimeException>(() => Runtime.CreateAndStartAsync(replica, CancellationToken.None));
        await Runtime.EnsureNetworkAsync(name, environment.RunLabels, CancellationToken.None);
        var id = await Runtime.CreateAndStartAsync(replica, CancellationToken.None);

        Assert.Equal(ContainerRuntimeErrorKind.NotFound, error.Kind);
        Assert.Contains(name, error.EngineMessage, StringComparison.Ordinal);
        Assert.Single(await NetworksNamedAsync(name));
        var inspected = await environment.Client.Containers.InspectContainerAsync(id);
        Assert.Equal([name], inspected.NetworkSettings!.Networks!.Keys);
    }

    [Fact]
    public async Task Inspecting_by_id_observes_the_given_containers_and_leaves_out_ids_that_are_gone()
    {
        var owner = NewOwner(environment);
        var first = await Runtime.CreateAndStartAsync(Replica(environment, owner, HttpService(), replica: 0), CancellationToken.None);
        var second = await Runtime.CreateAndStartAsync(Replica(environment, owner, HttpService(), replica: 1), CancellationToken.None);
        await Runtime.RemoveAsync(first, CancellationToken.None);

        var observed = await Runtime.InspectAsync([second, first], CancellationToken.None);

        var container = Assert.Single(observed);
        Assert.Equal(second, container.Id);
        Assert.Equal(owner, container.Owner);
        Assert.Equal(1, container.Replica);
        Assert.Equal((await Runtime.ListAsync(owner, CancellationToken.None)).Single(), container);
    }

    [Fact]
    public async Task A_network_in_use_is_not_removed_and_the_error_says_why()
    {
        var name = environment.NewName("net");
        await Runtime.EnsureNetworkAsync(name, environment.RunLabels, CancellationToken.None);
        await Runtime.CreateAndStartAsync(
            Replica(environment, NewOwner(environment), HttpService() with { Networks = [name] }), CancellationToken.None);

        var error = await Assert.ThrowsAsync<ContainerRuntimeException>(() => Runtime.RemoveNetworkAsync(name, CancellationToken.None));

        Assert.Equal(ContainerRuntimeErrorKind.InUse, error.Kind);
        Assert.Contains("active endpoints", error.EngineMessage, StringComparison.Ordinal);
        Assert.Single(await NetworksNamedAsync(name));
    }

    [Fact]
    public async Task Replicas_on_several_networks_reach_each_other_by_service_name()
    {
        var front = environment.NewName("front");
        var back = environment.NewName("back");
        await Runtime.EnsureNetworkAsync(front, environment.RunLabels, CancellationToken.None);
        await Runtime.EnsureNetworkAsync(back, environment.RunLabels, CancellationToken.None);
        var tenant = environment.NewTenant();
        var apiId = await Runtime.CreateAndStartAsync(
            Replica(environment, new ResourceKey(ServiceSpec.KindName, tenant, "api"), HttpService() with { Networks = [front, back] }),
            CancellationToken.None);
        var clientSpec = new ServiceSpecBody
        {
            Image = DockerTestEnvironment.BusyboxImage,
            Networks = [back],
            // Fetches the api by its service name over the second network, then stays up so the result can be read.
            Command = ["sh", "-c", "until wget -q -O /tmp/api.html http://api:8080/; do sleep 0.2; done; exec httpd -f -p 8080 -h /tmp"],
        };
        var clientId = await Runtime.CreateAndStartAsync(
            Replica(environment, new ResourceKey(ServiceSpec.KindName, tenant, "client"), clientSpec), CancellationToken.None);

        var api = await environment.Client.Containers.InspectContainerAsync(apiId);
        Assert.Equal([back, front], api.NetworkSettings!.Networks!.Keys.Order());
        await Poll.UntilAsync(
            async () => (await environment.Client.Containers.InspectContainerAsync(clientId)).State!.Running
                && await FileExistsAsync(clientId, "/tmp/api.html"),
            fetched => fetched,
            Deadline,
            "the client to fetch http://api:8080/ over the back network");
    }

    [Fact]
    public async Task Ensuring_a_named_volume_twice_makes_one_labelled_volume()
    {
        var name = environment.NewName("vol");
        var volume = new VolumeSpec { Name = name, Target = "/data" };

        await Runtime.EnsureVolumeAsync(volume, environment.RunLabels, CancellationToken.None);
        await Runtime.EnsureVolumeAsync(volume, environment.RunLabels, CancellationToken.None);

        var inspected = await environment.Client.Volumes.InspectAsync(name);
        Assert.Equal("local", inspected.Driver);
        Assert.Equal("true", inspected.Labels[ZpmLabels.Managed]);
        Assert.Equal(environment.RunId, inspected.Labels[ZpmLabels.TestRun]);
    }

    [Fact]
    public async Task Data_in_a_named_volume_outlives_the_container()
    {
        var name = environment.NewName("vol");
        var owner = NewOwner(environment);
        var volume = new VolumeSpec { Name = name, Target = "/data" };
        await Runtime.EnsureVolumeAsync(volume, environment.RunLabels, CancellationToken.None);
        var writerSpec = new ServiceSpecBody
        {
            Image = DockerTestEnvironment.BusyboxImage,
            Volumes = [volume],
            Command = ["sh", "-c", "echo kept > /data/file.txt && exec httpd -f -p 8080 -h /data"],
        };
        var writerId = await Runtime.CreateAndStartAsync(Replica(environment, owner, writerSpec), CancellationToken.None);
        await Poll.UntilAsync(() => FileExistsAsync(writerId, "/data/file.txt"), e => e, Deadline, "the file in the volume");

        await Runtime.RemoveAsync(writerId, CancellationToken.None);
        var readerSpec = HttpService() with { Volumes = [volume with { ReadOnly = true }], Command = ["httpd", "-f", "-p", "8080", "-h", "/data"] };
        var readerId = await Runtime.CreateAndStartAsync(Replica(environment, owner, readerSpec), CancellationToken.None);

        var port = await environment.HostPortAsync(readerId, DockerTestEnvironment.BusyboxHttpPort);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var text = await Poll.UntilAsync(
            () => http.GetStringAsync($"http://127.0.0.1:{port}/file.txt"), t => t.Length > 0, Deadline, "the kept file");
        Assert.Equal("kept", text.Trim());
    }

    [Fact]
    public async Task A_bind_mount_shows_the_host_directory()
    {
        var directory = Directory.CreateTempSubdirectory($"zpm-{environment.RunId}-");
        string? id = null;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "hello.txt"), "from the host");
            var spec = HttpService() with
            {
                Volumes = [new VolumeSpec { HostPath = directory.FullName, Target = "/www", ReadOnly = true }],
            };
            id = await Runtime.CreateAndStartAsync(Replica(environment, NewOwner(environment), spec), CancellationToken.None);

            var port = await environment.HostPortAsync(id, DockerTestEnvironment.BusyboxHttpPort);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var text = await Poll.UntilAsync(
                () => http.GetStringAsync($"http://127.0.0.1:{port}/hello.txt"), t => t.Length > 0, Deadline, "the host file");
            Assert.Equal("from the host", text);
        }
        finally
        {
            if (id is not null)
            {
                await Runtime.RemoveAsync(id, CancellationToken.None);
            }

            directory.Delete(recursive: true);
        }
    }

    /// <summary>Asks Docker to stat a path in the container; 404 means the file (or the container) is not there.</summary>
    private async Task<bool> FileExistsAsync(string containerId, string path)
    {
        try
        {
            var archive = await environment.Client.Containers.GetArchiveFromContainerAsync(
                containerId, new global::Docker.DotNet.Models.ContainerPathStatParameters { Path = path }, statOnly: true);
            archive.Stream?.Dispose();
            return true;
        }
        catch (global::Docker.DotNet.DockerApiException notFound) when (notFound.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }
}
