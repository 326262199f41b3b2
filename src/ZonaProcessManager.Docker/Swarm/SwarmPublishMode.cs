namespace ZonaProcessManager.Docker.Swarm;

/// <summary>How a Swarm service publishes the host ports of its spec.</summary>
public enum SwarmPublishMode
{
    /// <summary>
    /// On the node each task runs on, straight to that task (Swarm's mode=host): works without IPVS, but two tasks of
    /// one fixed host port cannot share a node.
    /// </summary>
    Host,

    /// <summary>
    /// On every node through Swarm's routing mesh, balanced over all tasks (mode=ingress): needs IPVS in the kernel of
    /// every node.
    /// </summary>
    Ingress,
}
