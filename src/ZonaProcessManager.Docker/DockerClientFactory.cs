using Docker.DotNet;

namespace ZonaProcessManager.Docker;

/// <summary>Builds a Docker client the way the docker CLI finds its engine.</summary>
public static class DockerClientFactory
{
    /// <summary>
    /// DOCKER_HOST wins, then the current docker context, then the platform default socket (the builder's own
    /// resolution). DOCKER_API_VERSION pins the API version like it does for the CLI; without it requests are
    /// unversioned, which the engine answers with its own (newest) version.
    /// </summary>
    public static DockerClient Create(Uri? endpoint = null)
    {
        var builder = new DockerClientBuilder();
        if (endpoint is not null)
        {
            builder.WithEndpoint(endpoint);
        }

        var apiVersion = Environment.GetEnvironmentVariable("DOCKER_API_VERSION");
        if (!string.IsNullOrWhiteSpace(apiVersion))
        {
            if (!Version.TryParse(apiVersion, out var version))
            {
                throw new ArgumentException($"DOCKER_API_VERSION '{apiVersion}' is not a version like 1.41.");
            }

            builder.WithApiVersion(version);
        }

        return builder.Build();
    }
}
