namespace ZonaProcessManager.Domain.Ports;

/// <summary>
/// A container engine call failed. <see cref="EngineMessage"/> is the engine's own message, unchanged, so it can be
/// shown in a resource's status and events.
/// </summary>
public sealed class ContainerRuntimeException : Exception
{
    public ContainerRuntimeException(
        string operation,
        string target,
        ContainerRuntimeErrorKind kind,
        string engineMessage,
        int? statusCode = null,
        Exception? innerException = null)
        : base($"{operation} {target}: {engineMessage}", innerException)
    {
        Operation = operation;
        Target = target;
        Kind = kind;
        EngineMessage = engineMessage;
        StatusCode = statusCode;
    }

    /// <summary>
    /// A failure whose message already says what was attempted (an engine, or a test's fake, that words its own
    /// errors): <see cref="Exception.Message"/> and <see cref="EngineMessage"/> are <paramref name="message"/>, and
    /// <see cref="Operation"/> and <see cref="Target"/> are empty.
    /// </summary>
    public ContainerRuntimeException(ContainerRuntimeErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Operation = "";
        Target = "";
        Kind = kind;
        EngineMessage = message;
    }

    /// <summary>What was attempted, e.g. "create container", "start container", "remove network".</summary>
    public string Operation { get; }

    /// <summary>The container, network or volume name or id the operation was about.</summary>
    public string Target { get; }

    public ContainerRuntimeErrorKind Kind { get; }

    public string EngineMessage { get; }

    /// <summary>The engine's HTTP status code, when it answered.</summary>
    public int? StatusCode { get; }
}
