using System.Net;
using ZonaProcessManager.EmbeddedMongo;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>What `zpm mongo serve` and `zpm run` share about securing the embedded server they start.</summary>
internal static class EmbeddedServerSecurity
{
    /// <summary>
    /// Refuses a server without authentication on an address other hosts can reach; with authentication, such an
    /// address only gets a warning that traffic is not encrypted (no TLS here). Null when there is nothing to say.
    /// </summary>
    public static string? CheckBind(string bindAddress, bool requireAuthentication)
    {
        if (IsLoopback(bindAddress))
        {
            return null;
        }

        if (!requireAuthentication)
        {
            throw new CliUsageException(
                $"refusing to listen on {bindAddress} without authentication: anyone who can reach it could read and change every document. "
                + "Drop --no-auth, or bind to 127.0.0.1");
        }

        return $"warning: listening on {bindAddress}, which other hosts can reach, without TLS: logins are protected by SCRAM-SHA-256 but data crosses the network unencrypted";
    }

    /// <summary>
    /// Says where the administrator's password is (<see cref="EmbeddedMongoServer.EnsureAdminUser"/> made sure of it).
    /// The password itself is shown only once, when it is created, and only on a terminal: redirected output tends to
    /// end up in logs.
    /// </summary>
    public static async Task AnnounceAdminAsync(EmbeddedMongoServer server, AdminCredential admin, TextWriter output, string prefix, bool outputIsTerminal)
    {
        if (admin.Created)
        {
            await output.WriteLineAsync($"{prefix}authentication is on; created user {admin.User} (role root), its password is in {admin.PasswordFile} (mode 0600)");
            if (outputIsTerminal)
            {
                await output.WriteLineAsync($"{prefix}password of {admin.User} (shown once): {admin.Password}");
            }
        }
        else
        {
            await output.WriteLineAsync($"{prefix}authentication is on; the password of {admin.User} is in {admin.PasswordFile}");
        }

        await output.WriteLineAsync($"{prefix}log in with: mongosh \"{server.ConnectionString}\" -u {admin.User} -p   (prompts for the password)");
    }

    private static bool IsLoopback(string address) =>
        address.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(address, out var ip) && IPAddress.IsLoopback(ip));
}
