namespace ZonaProcessManager.Domain.Probing;

/// <summary>One probe's verdict. <paramref name="Failure"/> says what failed, in words stable across retries (no times, no counts).</summary>
public sealed record ProbeResult(bool Succeeded, string? Failure)
{
    public static ProbeResult Success { get; } = new(true, null);

    public static ProbeResult Failed(string failure) => new(false, failure);
}
