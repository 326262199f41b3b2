namespace ZonaProcessManager.Domain.Model;

/// <summary>
/// One numbered revision of a ServiceSpec: a spec the operator rolled out (what `zpm rollout history` lists and
/// `zpm rollout undo` and automatic rollback go back to). Numbers grow by one per new spec hash and are never reused;
/// going back to an older spec records it again under the next number, as Kubernetes does with a Deployment's
/// revisions, so the history never lists one spec twice.
/// </summary>
/// <param name="Service">The ServiceSpec's key.</param>
/// <param name="Number">1 for the first spec the operator saw, then one more per change.</param>
/// <param name="SpecHash">SpecHasher's hash of <paramref name="Spec"/> (the replicas' zpm.spec-hash label).</param>
/// <param name="Spec">The whole spec as the operator read it, including fields outside the hash (replicas, update…).</param>
/// <param name="CreatedAt">When the operator first rolled this spec out.</param>
/// <param name="ChangeCause">Who or what changed the spec (<see cref="ChangeCause"/>).</param>
public sealed record ServiceRevision(ResourceKey Service, long Number, string SpecHash, ServiceSpecBody Spec, DateTimeOffset CreatedAt, string ChangeCause);
