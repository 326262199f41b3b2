namespace ZonaProcessManager.Cli.Tests;

/// <summary>A temporary directory of manifest files, deleted at the end of the test.</summary>
internal sealed class ManifestFiles : IDisposable
{
    public ManifestFiles()
    {
        Directory = Path.Combine(Path.GetTempPath(), "zpm-cli-test-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public string Write(string fileName, string content)
    {
        var path = Path.Combine(Directory, fileName);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    public static string Service(string name, string tenant = "system", int replicas = 1, string extraSpec = "") => $"""
        apiVersion: zpm/v1
        kind: ServiceSpec
        metadata:
          name: {name}
          tenant: {tenant}
        spec:
          image: zpm/busybox:latest
          replicas: {replicas}
          ports:
            - container: 8080
              host: auto
          healthCheck:
            http: {"{"} port: 8080, path: /healthz {"}"}
        {extraSpec}
        """;
}
