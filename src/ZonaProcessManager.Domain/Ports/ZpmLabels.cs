namespace ZonaProcessManager.Domain.Ports;

/// <summary>Labels on every container, network and volume the operator owns (part of the resource contract).</summary>
public static class ZpmLabels
{
    public const string Managed = "zpm.managed";
    public const string Tenant = "zpm.tenant";
    public const string Name = "zpm.name";
    public const string Kind = "zpm.kind";
    public const string Replica = "zpm.replica";
    public const string SpecHash = "zpm.spec-hash";
    public const string Owner = "zpm.owner";

    /// <summary>The holder of the leadership term under which the container was created (LeadershipTerm.Holder).</summary>
    public const string Leader = "zpm.leader";

    /// <summary>The generation of that term; neither label takes part in the spec hash or in the planner's comparison.</summary>
    public const string LeaderGeneration = "zpm.generation";

    /// <summary>
    /// The health probe the operator runs against the container from the host (OperatorProbe.ToLabel); such a container
    /// has no Docker health check. Not part of the spec hash: whoever created the container decided who probes it.
    /// </summary>
    public const string Probe = "zpm.probe";

    /// <summary>Set by tests on everything they create so that a run cleans up only its own objects.</summary>
    public const string TestRun = "zpm.test-run";
}
