using ZonaProcessManager.Domain.Hashing;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Releases;

namespace ZonaProcessManager.Domain.Tests.Releases;

/// <summary>
/// A store of ServiceSpecs with a stand-in for the service operator: <see cref="Converge"/> gives every service whose
/// spec changed the status the operator would write (Running with every replica ready, or Degraded for an image tag
/// listed as failing). <see cref="Step"/> is one release reconcile: plan, write status, apply the image writes as
/// compare-and-set, keep the events.
/// </summary>
internal sealed class ReleaseWorld
{
    private readonly Dictionary<string, (ServiceSpec Spec, ServiceStatus? Status)> _services = new(StringComparer.Ordinal);
    private readonly ReleasePlanner _planner = new(TimeSpan.FromSeconds(2));

    public ReleaseWorld(Release release) => Release = release;

    public Release Release { get; set; }

    public ReleaseStatus? Status { get; private set; }

    public DateTimeOffset Now { get; set; } = new(2026, 12, 6, 23, 0, 0, TimeSpan.Zero);

    public HashSet<string> FailingTags { get; } = new(StringComparer.Ordinal);

    public List<ReleaseNote> Events { get; } = [];

    public List<ReleaseImageWrite> Writes { get; } = [];

    /// <summary>Services the operator leaves as they are (never converges): e.g. a slow one.</summary>
    public HashSet<string> Frozen { get; } = new(StringComparer.Ordinal);

    public ReleaseWorld Add(string tenant, string name, ServiceCategory category, string image, IReadOnlyDictionary<string, string>? labels = null)
    {
        var spec = new ServiceSpec
        {
            Metadata = new ResourceMetadata { Name = name, Tenant = tenant, Labels = labels ?? new Dictionary<string, string>() },
            Spec = new ServiceSpecBody { Image = image, Category = category },
        };
        _services[$"{tenant}/{name}"] = (spec, Running(spec.Spec));
        return this;
    }

    public string ImageOf(string id) => _services[id].Spec.Spec.Image;

    public IReadOnlyList<StoredService> Stored => _services.Values
        .Select(s => new StoredService(s.Spec.Key, s.Spec.Key.ToString(), s.Spec, null, s.Status))
        .ToList();

    /// <summary>Someone else edits a service's image.</summary>
    public void SetImageByHand(string id, string image)
    {
        var (spec, status) = _services[id];
        _services[id] = (spec with { Spec = spec.Spec with { Image = image } }, status);
    }

    public void Remove(string id) => _services.Remove(id);

    /// <summary>Someone fixed what made the service fail: the operator now reports it Running with its current spec.</summary>
    public void Recover(string id)
    {
        var spec = _services[id].Spec;
        _services[id] = (spec, Running(spec.Spec));
    }

    public ReleasePlan Step()
    {
        var plan = _planner.Plan(Release, Status, Stored, Now);
        Status = plan.Status;
        foreach (var write in plan.Writes)
        {
            Writes.Add(write);
            var id = $"{write.Service.Tenant}/{write.Service.Name}";
            if (_services.TryGetValue(id, out var entry) && entry.Spec.Spec.Image == write.ExpectedImage)
            {
                SetImageByHand(id, write.NewImage);
            }
        }

        Events.AddRange(plan.Events);
        return plan;
    }

    /// <summary>The service operator's pass: every changed spec gets its new status.</summary>
    public void Converge()
    {
        foreach (var (id, (spec, status)) in _services.ToList())
        {
            if (Frozen.Contains(id))
            {
                continue;
            }

            var hash = SpecHasher.Hash(spec.Spec);
            if (status?.ObservedSpecHash != hash)
            {
                var failing = ImageReference.Tag(spec.Spec.Image) is { } tag && FailingTags.Contains(tag);
                _services[id] = (spec, failing
                    ? new ServiceStatus { Phase = ResourcePhase.Degraded, ObservedSpecHash = hash, Replicas = new(1, 0), Message = "RolloutStalled: new replica unhealthy" }
                    : Running(spec.Spec));
            }
        }
    }

    /// <summary>Steps and converges until the release's phase is one of <paramref name="phases"/> (at most 200 rounds).</summary>
    public void RunUntil(params ReleasePhase[] phases)
    {
        for (var round = 0; round < 200; round++)
        {
            Step();
            if (phases.Contains(Status!.Phase))
            {
                return;
            }

            Converge();
            Now += TimeSpan.FromSeconds(2);
        }

        throw new InvalidOperationException($"release still {Status?.Phase} after 200 rounds: {Status?.Message}");
    }

    public ReleaseServiceStatus Member(string id) => Status!.Services.Single(s => s.Id == id);

    private static ServiceStatus Running(ServiceSpecBody spec) =>
        new() { Phase = ResourcePhase.Running, ObservedSpecHash = SpecHasher.Hash(spec), Replicas = new(1, 1) };
}
