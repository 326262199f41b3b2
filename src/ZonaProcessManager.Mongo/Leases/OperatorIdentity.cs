using System.Reflection;

namespace ZonaProcessManager.Mongo.Leases;

/// <summary>
/// One running operator instance, as the lease and `zpm get operators` show it. <paramref name="Holder"/> is unique per
/// process start (host, process id and a random part), so a restarted process never passes for its predecessor.
/// </summary>
public sealed record OperatorIdentity(string Holder, string Host, int ProcessId, string Version, DateTimeOffset StartedAt)
{
    /// <summary>The informational version of the operator's assemblies, without a source-revision suffix.</summary>
    public static string AssemblyVersion { get; } =
        (typeof(OperatorIdentity).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0").Split('+')[0];

    /// <summary>This process, started at <paramref name="startedAt"/>.</summary>
    public static OperatorIdentity OfThisProcess(string version, DateTimeOffset startedAt)
    {
        var host = Environment.MachineName;
        var processId = Environment.ProcessId;
        return new OperatorIdentity($"{host}/{processId}/{Guid.NewGuid().ToString("N")[..6]}", host, processId, version, startedAt);
    }
}
