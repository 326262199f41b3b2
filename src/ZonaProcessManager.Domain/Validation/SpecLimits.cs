namespace ZonaProcessManager.Domain.Validation;

/// <summary>
/// Upper bounds on the sizes of what a document may ask for. Sizes of strings are UTF-8 bytes, because that is what the
/// kernel and Docker count; the `$jsonSchema` validators use the same numbers as character counts (a character is at
/// least a byte, so everything these limits accept passes the validators too).
/// </summary>
public static class SpecLimits
{
    /// <summary>
    /// Linux's MAX_ARG_STRLEN (32 pages, 128 KiB, with the terminating NUL) for one argv or envp string: execve fails
    /// with E2BIG beyond it, and runc create on a 1 MiB argument hung for 14+ minutes instead of failing.
    /// </summary>
    public const int MaxArgumentBytes = (128 * 1024) - 1;

    /// <summary>
    /// argv and envp together must fit ARG_MAX, a quarter of the stack limit (2 MiB with the usual 8 MiB stack); command
    /// and env get 256 KiB each, so both together stay far below it even with a smaller stack.
    /// </summary>
    public const int MaxCommandBytes = 256 * 1024;

    /// <summary>Arguments of a command (and of an exec health check); real commands have tens.</summary>
    public const int MaxCommandArguments = 256;

    /// <summary>All of env as the process gets it ("NAME=value" strings); see <see cref="MaxCommandBytes"/>.</summary>
    public const int MaxEnvBytes = 256 * 1024;

    public const int MaxEnvVariables = 256;

    public const int MaxEnvNameBytes = 256;

    /// <summary>Docker references: a repository name of at most 255 characters, a tag of 128, a digest of 71 (sha256).</summary>
    public const int MaxImageBytes = 512;

    /// <summary>metadata.labels/annotations are document data (never container labels): Kubernetes' bounds.</summary>
    public const int MaxMetadataEntries = 64;

    /// <summary>A qualified key: a DNS-subdomain prefix (253) is the longest useful one.</summary>
    public const int MaxMetadataKeyBytes = 253;

    public const int MaxLabelValueBytes = 1024;

    /// <summary>Kubernetes' limit on all annotations of an object together (TotalAnnotationSizeLimitB).</summary>
    public const int MaxAnnotationsBytes = 256 * 1024;

    /// <summary>Network and volume names; a tenant network (zpm-tenant- plus a 63-character code) is 74.</summary>
    public const int MaxDockerNameBytes = 128;

    /// <summary>Linux PATH_MAX, for hostPath, target, device and the health check's HTTP path.</summary>
    public const int MaxPathBytes = 4096;

    public const int MaxPorts = 128;

    public const int MaxVolumes = 64;

    public const int MaxNetworks = 16;

    public const int MaxDependsOn = 64;

    public const int MaxDriverOpts = 32;

    public const int MaxDriverOptBytes = 4096;

    /// <summary>Parameters of an integration (IntegrationSpec values, catalog declarations).</summary>
    public const int MaxParameters = 128;

    public const int MaxParameterNameBytes = 128;

    /// <summary>A parameter becomes one "ENV=value" string: half of <see cref="MaxArgumentBytes"/> leaves room for the name.</summary>
    public const int MaxParameterValueBytes = 64 * 1024;

    /// <summary>Free text: a catalog entry's title and executable, a tenant's display name.</summary>
    public const int MaxTextBytes = 1024;

    /// <summary>
    /// spec.placement.constraints: Swarm ANDs them, so a real service needs a handful; more than this is generated
    /// junk, and every one is matched against every node on each scheduling decision.
    /// </summary>
    public const int MaxPlacementConstraints = 32;

    /// <summary>spec.placement.preferences: each spreads over one more label level; real topologies have two or three.</summary>
    public const int MaxPlacementPreferences = 8;

    /// <summary>One placement constraint or spread descriptor ("node.labels.zone==eu-1"): a label key and a value.</summary>
    public const int MaxPlacementExpressionBytes = 1024;

    /// <summary>
    /// update/rollback delaySeconds and monitorSeconds: an hour between two batches of one rollout, or of watching one
    /// new replica, is already more than any rollout needs; a larger number is minutes or milliseconds typed as seconds,
    /// and would leave a rollout hanging for days.
    /// </summary>
    public const int MaxRolloutSeconds = 3600;
}
