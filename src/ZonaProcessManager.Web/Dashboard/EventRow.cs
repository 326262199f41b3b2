namespace ZonaProcessManager.Web.Dashboard;

/// <summary>One document of the events collection, as the feed and the resource pages show it.</summary>
public sealed record EventRow(DateTimeOffset Time, string Type, string Reason, string Message, string Kind, string Tenant, string Name);
