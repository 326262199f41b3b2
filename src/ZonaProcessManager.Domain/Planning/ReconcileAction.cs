namespace ZonaProcessManager.Domain.Planning;

/// <summary>One step of a reconcile plan. Plans are ordered: the executor runs the actions in sequence.</summary>
public abstract record ReconcileAction
{
    /// <summary>A one-line, log-friendly description (never contains env values).</summary>
    public abstract string Describe();
}
