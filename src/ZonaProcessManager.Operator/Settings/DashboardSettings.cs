using System.Security.Cryptography;
using System.Text;

namespace ZonaProcessManager.Operator.Settings;

/// <summary>
/// The web dashboard served on the operator's HTTP address. It is read-only unless <see cref="ActionsEnabled"/>; then
/// every action must carry <see cref="ActionToken"/>.
/// </summary>
public sealed record DashboardSettings
{
    /// <summary>Whether the dashboard offers actions (scale, suspend/resume a tenant, delete). Default false: read-only.</summary>
    public bool ActionsEnabled { get; init; }

    /// <summary>
    /// The secret each action must present; null (the default) refuses every action. Generated afresh for each start by
    /// whoever enables actions, and shown to the user once.
    /// </summary>
    public string? ActionToken { get; init; }

    /// <summary>Actions on, behind a token of 256 random bits made for this start (URL-safe base64, no padding).</summary>
    public static DashboardSettings WithActions() => new()
    {
        ActionsEnabled = true,
        ActionToken = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_'),
    };

    /// <summary>Keeps the token out of anything that prints the settings (logs, exception messages, debuggers' summaries).</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("ActionsEnabled = ").Append(ActionsEnabled).Append(", ActionToken = ").Append(ActionToken is null ? "null" : "***");
        return true;
    }
}
