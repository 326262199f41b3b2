using System.Security.Cryptography;
using System.Text;

namespace ZonaProcessManager.Web.Dashboard;

/// <summary>Checks the token an action presents against the one of this start, in time that does not depend on where they differ.</summary>
public static class DashboardActionToken
{
    /// <summary>The request header an action carries its token in (a header, so no link or form can carry it).</summary>
    public const string Header = "X-Zpm-Dashboard-Token";

    public static bool Matches(string? expected, string? presented)
    {
        if (string.IsNullOrEmpty(expected) || string.IsNullOrEmpty(presented))
        {
            return false;
        }

        // Hashing first gives both sides one length, so the comparison leaks neither content nor length.
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(expected)), SHA256.HashData(Encoding.UTF8.GetBytes(presented)));
    }
}
