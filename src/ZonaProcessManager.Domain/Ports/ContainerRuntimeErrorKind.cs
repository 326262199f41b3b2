namespace ZonaProcessManager.Domain.Ports;

/// <summary>What went wrong in a container engine call, coarse enough for the operator to decide (retry, report, give up).</summary>
public enum ContainerRuntimeErrorKind
{
    /// <summary>Anything not listed below; the engine's message says what.</summary>
    Other,

    /// <summary>The engine does not answer (socket missing, daemon down): retry later.</summary>
    Unavailable,

    /// <summary>The container, network or volume does not exist.</summary>
    NotFound,

    /// <summary>The image is not present locally; nothing is ever pulled.</summary>
    ImageNotFound,

    /// <summary>A container with the same name exists and is not one the runtime may replace by itself.</summary>
    NameConflict,

    /// <summary>A requested host port is already taken.</summary>
    PortInUse,

    /// <summary>A network or volume is still used by containers.</summary>
    InUse,

    /// <summary>The engine rejected the request as invalid (bad mount, bad option).</summary>
    InvalidRequest,
}
