namespace ZonaProcessManager.Operator.Settings;

/// <summary>Who runs a ServiceSpec's http and tcp health checks on the single-host backend (exec checks are always Docker's).</summary>
public enum ProbeMode
{
    /// <summary>The operator, from the host, against each container's address; the container gets no Docker health check.</summary>
    Operator,

    /// <summary>Docker, as a health check process started inside the container (a runc exec per probe).</summary>
    Docker,
}
