namespace ZonaProcessManager.Web.Dashboard;

/// <summary>How an action ended: made, no such resource, or refused with a reason the user can act on.</summary>
public sealed record DashboardActionOutcome(int StatusCode, string? Problem)
{
    public static DashboardActionOutcome Done { get; } = new(200, null);

    public static DashboardActionOutcome Missing { get; } = new(404, "no such resource");

    public static DashboardActionOutcome Invalid(string problem) => new(400, problem);
}
