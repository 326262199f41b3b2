namespace ZonaProcessManager.Docker.Swarm;

/// <summary>
/// What an engine says about its part in a Swarm (`docker info`'s Swarm section).
/// </summary>
/// <param name="LocalNodeState">inactive, pending, active, error or locked, as Docker spells it.</param>
/// <param name="ControlAvailable">Whether this engine is a manager, i.e. can create services and list the swarm's tasks.</param>
/// <param name="NodeId">This engine's node ID; empty outside a swarm.</param>
/// <param name="NodeAddress">The address this node is reached at by the others; empty outside a swarm.</param>
/// <param name="Nodes">Nodes in the swarm (managers only know; 0 otherwise).</param>
/// <param name="Managers">Managers in the swarm (managers only know; 0 otherwise).</param>
/// <param name="Error">The engine's own Swarm error (e.g. a join that timed out), if any.</param>
public sealed record SwarmEngineState(
    string LocalNodeState, bool ControlAvailable, string NodeId, string NodeAddress, int Nodes, int Managers, string? Error)
{
    public const string Active = "active";

    /// <summary>The engine can run zpm's Swarm backend: in an active swarm, as a manager.</summary>
    public bool IsActiveManager => LocalNodeState == Active && ControlAvailable;

    /// <summary>In words, for a log line or an error: "an active Swarm manager (node x, 3 nodes)", "not in a swarm (Swarm state inactive)".</summary>
    public string Describe() => (LocalNodeState, ControlAvailable) switch
    {
        (Active, true) => $"an active Swarm manager (node {NodeId}, {Nodes} node{(Nodes == 1 ? "" : "s")}, {Managers} manager{(Managers == 1 ? "" : "s")})",
        (Active, false) => $"a Swarm worker (node {NodeId}), not a manager: only managers create services and see the swarm's tasks",
        ("inactive", _) or ("", _) => "not part of a swarm (Swarm state inactive)",
        _ => $"not an active Swarm manager (Swarm state {LocalNodeState}{(string.IsNullOrWhiteSpace(Error) ? "" : $": {Error}")})",
    };
}
