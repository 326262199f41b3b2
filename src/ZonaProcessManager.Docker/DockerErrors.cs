using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Docker.DotNet;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Docker;

/// <summary>Turns Docker.DotNet failures into <see cref="ContainerRuntimeException"/> carrying Docker's own message.</summary>
internal static class DockerErrors
{
    /// <summary>Docker's message from an API error body ({"message": "..."}), or the raw body when it is not JSON.</summary>
    public static string EngineMessage(DockerApiException exception)
    {
        var body = exception.ResponseBody?.Trim();
        if (string.IsNullOrEmpty(body))
        {
            return $"Docker answered {(int)exception.StatusCode} {exception.StatusCode} with no message";
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("message", out var message)
                && message.ValueKind == JsonValueKind.String)
            {
                return message.GetString() ?? body;
            }
        }
        catch (JsonException)
        {
            // Not JSON (e.g. a proxy's error page): the raw text is the best message there is.
        }

        return body;
    }

    /// <summary>
    /// Wraps a failure of one Docker call. Returns null for the caller's own cancellation, which must stay an
    /// <see cref="OperationCanceledException"/>; any other cancellation is the client's request timeout, i.e. an
    /// engine that does not answer, and must not look like a shutdown to the operator.
    /// </summary>
    public static ContainerRuntimeException? Translate(
        string operation, string target, Exception exception, CancellationToken cancellationToken)
    {
        switch (exception)
        {
            case OperationCanceledException when cancellationToken.IsCancellationRequested:
                return null;
            case ContainerRuntimeException alreadyTranslated:
                return alreadyTranslated;
            case OperationCanceledException:
                return new ContainerRuntimeException(
                    operation,
                    target,
                    ContainerRuntimeErrorKind.Unavailable,
                    "Docker Engine did not answer in time; is dockerd overloaded or hung?",
                    innerException: exception);
            case DockerApiException api:
                var message = EngineMessage(api);
                return new ContainerRuntimeException(
                    operation, target, Classify(api, message), message, (int)api.StatusCode, api);
            case HttpRequestException or SocketException or IOException or TimeoutException:
                return new ContainerRuntimeException(
                    operation,
                    target,
                    ContainerRuntimeErrorKind.Unavailable,
                    $"Docker Engine unreachable ({exception.GetBaseException().Message}); is dockerd running? "
                    + "Run scripts/ensure-docker.sh or set DOCKER_HOST.",
                    innerException: exception);
            default:
                return new ContainerRuntimeException(
                    operation, target, ContainerRuntimeErrorKind.Other, exception.Message, innerException: exception);
        }
    }

    /// <summary>
    /// A call that missed its deadline. Unavailable, like an engine that does not answer at all: the reconcile fails
    /// and is retried with backoff, and nothing about the request itself is known to be wrong.
    /// </summary>
    public static ContainerRuntimeException TimedOut(string operation, string target, TimeSpan limit, Exception exception) =>
        new(
            operation,
            target,
            ContainerRuntimeErrorKind.Unavailable,
            $"Docker Engine did not answer within {limit.TotalSeconds:0.#} s; is dockerd overloaded or hung?",
            innerException: new TimeoutException($"{operation} {target} timed out after {limit}", exception));

    public static bool IsTimeout(ContainerRuntimeException exception) => exception.InnerException is TimeoutException;

    private static ContainerRuntimeErrorKind Classify(DockerApiException exception, string message)
    {
        if (exception is DockerImageNotFoundException
            || message.StartsWith("No such image", StringComparison.OrdinalIgnoreCase))
        {
            return ContainerRuntimeErrorKind.ImageNotFound;
        }

        if (message.Contains("port is already allocated", StringComparison.OrdinalIgnoreCase)
            || message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            return ContainerRuntimeErrorKind.PortInUse;
        }

        if (message.Contains("active endpoints", StringComparison.OrdinalIgnoreCase)
            || message.Contains("volume is in use", StringComparison.OrdinalIgnoreCase))
        {
            return ContainerRuntimeErrorKind.InUse;
        }

        if (message.Contains("is already in use by container", StringComparison.OrdinalIgnoreCase))
        {
            return ContainerRuntimeErrorKind.NameConflict;
        }

        return exception.StatusCode switch
        {
            HttpStatusCode.NotFound => ContainerRuntimeErrorKind.NotFound,
            HttpStatusCode.BadRequest => ContainerRuntimeErrorKind.InvalidRequest,
            _ => ContainerRuntimeErrorKind.Other,
        };
    }

    public static bool IsNotFound(Exception exception) =>
        exception is DockerApiException { StatusCode: HttpStatusCode.NotFound };
}
