namespace ZonaProcessManager.Testing.Swarm;

/// <summary>What one run of scripts/swarm-lab.sh produced, printed whole in failure messages.</summary>
public sealed record SwarmLabScriptResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}
