namespace ZonaProcessManager.Domain.Lifecycle;

public enum FireOutcome
{
    /// <summary>The phase changed (or was deliberately re-entered); see <see cref="FireResult.Transition"/>.</summary>
    Transitioned,

    /// <summary>The trigger is expected in this phase and changes nothing (e.g. AllHealthy while Running).</summary>
    Ignored,

    /// <summary>The trigger is not allowed in this phase; nothing changed.</summary>
    Forbidden,
}
