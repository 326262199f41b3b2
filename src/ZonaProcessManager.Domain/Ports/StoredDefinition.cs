using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Ports;

/// <summary>A catalog document; Definition is null (and InvalidReason says why) when it cannot be read.</summary>
public sealed record StoredDefinition(ResourceKey Key, string Uid, IntegrationDefinition? Definition, string? InvalidReason);
