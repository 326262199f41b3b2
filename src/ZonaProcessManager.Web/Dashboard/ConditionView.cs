namespace ZonaProcessManager.Web.Dashboard;

/// <summary>One entry of status.conditions.</summary>
public sealed record ConditionView(string Type, bool Status, string Reason, string Message, DateTimeOffset? LastTransitionTime);
