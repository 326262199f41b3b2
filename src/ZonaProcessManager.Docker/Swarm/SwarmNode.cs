namespace ZonaProcessManager.Docker.Swarm;

/// <summary>One node of a swarm as `zpm get nodes` shows it; words are Docker's own (worker, active, ready).</summary>
/// <param name="Role">manager or worker.</param>
/// <param name="Availability">active, pause or drain: whether Swarm may place tasks on it.</param>
/// <param name="State">ready, down, disconnected or unknown: whether the managers hear from it.</param>
/// <param name="Leader">The manager that leads the Raft group.</param>
/// <param name="Address">The address the other nodes reach it at.</param>
/// <param name="Tasks">Tasks Swarm means to run there (desired state running: starting, preparing or running).</param>
public sealed record SwarmNode(
    string Id, string Hostname, string Role, string Availability, string State, bool Leader, string Address, int Tasks);
