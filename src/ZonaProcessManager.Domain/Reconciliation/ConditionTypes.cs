namespace ZonaProcessManager.Domain.Reconciliation;

public static class ConditionTypes
{
    public const string Ready = "Ready";
    public const string Progressing = "Progressing";

    /// <summary>Whether the container engine answered the last reconcile; present once it has failed to answer.</summary>
    public const string RuntimeReachable = "RuntimeReachable";
}
