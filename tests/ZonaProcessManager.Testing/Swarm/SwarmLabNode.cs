namespace ZonaProcessManager.Testing.Swarm;

/// <summary>One node of the swarm lab as scripts/swarm-lab.sh reports it.</summary>
/// <param name="Index">1-based; node 1 is the manager.</param>
/// <param name="Endpoint">The node's own dockerd, e.g. unix:///run/zpmlab/n2/docker.sock.</param>
/// <param name="Address">The node's address on the lab bridge; host-mode published ports answer there.</param>
/// <param name="NodeId">The Swarm node id (what task.NodeID and `docker node ls` show).</param>
/// <param name="Role">manager or worker.</param>
/// <param name="Hostname">The node's own hostname (zpmlab-nI), what Swarm shows as its hostname.</param>
public sealed record SwarmLabNode(int Index, Uri Endpoint, string Address, string NodeId, string Role, string Hostname)
{
    /// <summary>The value of the node's zpm-lab-zone label, for placement constraints and spread preferences.</summary>
    public string Zone => "zone-" + Index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
