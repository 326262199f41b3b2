namespace ZonaProcessManager.Docker.Swarm;

/// <summary>Something that needs a Swarm manager was pointed at an engine that is not one.</summary>
public sealed class NotASwarmManagerException(string what, SwarmEngineState state)
    : Exception($"{what} needs a Docker Swarm manager, but the engine is {state.Describe()}; point DOCKER_HOST at a manager of the swarm")
{
    public SwarmEngineState State { get; } = state;
}
