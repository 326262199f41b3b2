using System.CommandLine;
using ZonaProcessManager.Domain.Policy;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>
/// `--allow-host-path DIR` and `--allow-host-ip IP` (both repeatable, empty by default) of `zpm run` and `zpm install`:
/// the one place the host-access allow-lists come from, so the installed validator and the operator enforce the same.
/// </summary>
public sealed class IsolationOptions
{
    public Option<string[]> HostPaths { get; } = new(IsolationPolicy.AllowHostPathOption)
    {
        Description = "Allow bind mounts of this host directory and below (repeatable; absolute, no '..'; never the Docker socket's or data directories). Default: none",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string[]> HostIps { get; } = new(IsolationPolicy.AllowHostIpOption)
    {
        Description = "Allow publishing ports on this host IP besides 127.0.0.1 (repeatable). Default: none",
        AllowMultipleArgumentsPerToken = false,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(HostPaths);
        command.Options.Add(HostIps);
    }

    public IsolationPolicy Parse(ParseResult parseResult)
    {
        try
        {
            return IsolationPolicy.Create(parseResult.GetValue(HostPaths), parseResult.GetValue(HostIps));
        }
        catch (ArgumentException bad)
        {
            throw new CliUsageException(bad.Message.Split(" (Parameter", 2)[0]);
        }
    }
}
