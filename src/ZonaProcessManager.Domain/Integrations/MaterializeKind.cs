namespace ZonaProcessManager.Domain.Integrations;

public enum MaterializeKind
{
    /// <summary>The child ServiceSpec to write (its spec is owned by the operator: a hand edit is put back).</summary>
    Service,

    /// <summary>The integration is disabled: no child should exist.</summary>
    NotWanted,

    /// <summary>The integration cannot run; Problems say why (no value of a secret ever appears in them).</summary>
    Invalid,
}
