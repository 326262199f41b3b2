using ZonaProcessManager.Domain.Hashing;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;

namespace ZonaProcessManager.Domain.Releases;

/// <summary>
/// Decides, from a release, its last status and the ServiceSpecs as stored now, which images to write next and the
/// release's new status. Pure: no I/O, the caller writes. Level-triggered like every reconcile: each look reads what
/// the services report, so a look repeated, late or after a crash decides the same.
/// </summary>
/// <remarks>
/// <para>The first look fixes the release's services (selector, categories in spec.order, tenant and name order) and
/// each one's target image; services created later are not part of it. A service starts when its category is the
/// first not done, at most spec.maxUnavailable at a time: its image is recorded as the one replaced, then rewritten.
/// It is done when its status shows phase Running, ready == desired and observedSpecHash equal to the hash of its
/// current spec carrying the target image; failed when that hash is observed with phase Degraded (a stalled rollout,
/// an automatic rollback, a crash loop), when it is not done within spec.progressDeadlineSeconds, or when someone
/// else changed its image meanwhile.</para>
/// <para>A failure stops the release where it is: nothing in the next categories is touched. With pauseOnFailure
/// the phase is Paused until spec.resumeRequests grows (the failed services are then looked at again, e.g. after a
/// fix) or a rollback is requested; without it the release rolls back at once and ends Failed.</para>
/// <para>A rollback restores each touched service's previous image, categories in reverse order, maxUnavailable at a
/// time, each waiting to be Running again; a service whose image is no longer the one the release wrote was changed
/// by someone else and is left as it is (Skipped, with a message).</para>
/// </remarks>
public sealed class ReleasePlanner(TimeSpan progressRequeue)
{
    public ReleasePlan Plan(Release release, ReleaseStatus? previous, IReadOnlyList<StoredService> services, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(release);
        ArgumentNullException.ThrowIfNull(services);
        var look = new Look(release, services, now);
        var status = previous is null || previous.Phase == ReleasePhase.Invalid ? look.Select() : previous;
        var next = look.Advance(status);
        var requeue = next.Phase is ReleasePhase.Progressing or ReleasePhase.RollingBack
            || (next.Phase == ReleasePhase.Paused && next.Services.Any(s => s.State is ReleaseServiceState.Rolling))
            ? progressRequeue
            : (TimeSpan?)null;
        return new ReleasePlan(next, look.Writes, look.Events, requeue);
    }

    /// <summary>The status of a release that cannot be run as written: nothing is touched until it is fixed.</summary>
    public static ReleaseStatus Invalid(ReleaseStatus? previous, string reason, DateTimeOffset now)
    {
        // A release already under way keeps its record (what a rollback needs); only a new one shows Invalid.
        if (previous is { Phase: not ReleasePhase.Invalid })
        {
            return previous with { Message = "The document is no longer valid; nothing more is done until it is fixed: " + reason, UpdatedAt = now };
        }

        return new ReleaseStatus { Phase = ReleasePhase.Invalid, Message = reason, UpdatedAt = now };
    }

    /// <summary>One look's working state: the stored services by id, and the writes and events decided so far.</summary>
    private sealed class Look(Release release, IReadOnlyList<StoredService> services, DateTimeOffset now)
    {
        private readonly Dictionary<string, StoredService> _services = services
            .GroupBy(IdOf, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

        private ReleaseSpec Spec => release.Spec;

        public List<ReleaseImageWrite> Writes { get; } = [];

        public List<ReleaseNote> Events { get; } = [];

        private TimeSpan Deadline => TimeSpan.FromSeconds(Spec.ProgressDeadlineSeconds);

        public ReleaseStatus Select()
        {
            var patchTags = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var patch in Spec.Patches)
            {
                foreach (var service in patch.Services)
                {
                    patchTags.TryAdd(service, patch.Tag);
                }
            }

            var selector = Spec.Selector;
            var selected = _services.Values
                .Where(s => s.Spec is not null && !s.DeletionRequested)
                .Where(s => selector.Tenants.Count == 0 || selector.Tenants.Contains(s.Key.Tenant, StringComparer.Ordinal))
                .Where(s => selector.Categories.Count == 0 || selector.Categories.Contains(s.Spec!.Spec.Category))
                .Where(s => selector.Labels.All(l => s.Spec!.Metadata.Labels.TryGetValue(l.Key, out var value) && value == l.Value))
                .ToList();

            var categories = new List<ReleaseCategoryStatus>();
            foreach (var category in Spec.Order)
            {
                var members = selected
                    .Where(s => s.Spec!.Spec.Category == category)
                    .OrderBy(s => s.Key.Tenant, StringComparer.Ordinal).ThenBy(s => s.Key.Name, StringComparer.Ordinal)
                    .Select(s => Member(s, patchTags.GetValueOrDefault(IdOf(s)) ?? Spec.BaseTag))
                    .ToList();
                if (members.Count > 0)
                {
                    categories.Add(new ReleaseCategoryStatus(category, ReleaseCategoryState.Pending, members));
                }
            }

            var chosen = categories.SelectMany(c => c.Services).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
            var unselectedPatches = patchTags.Keys.Where(id => !chosen.Contains(id)).Order(StringComparer.Ordinal).ToList();
            if (unselectedPatches.Count > 0)
            {
                Events.Add(new ReleaseNote(EventType.Warning, "PatchIgnored",
                    $"patched service(s) not selected by this release, left alone: {string.Join(", ", unselectedPatches)}"));
            }

            var total = categories.Sum(c => c.Services.Count);
            Events.Add(new ReleaseNote(EventType.Normal, "ReleaseStarted",
                $"{total} service(s) in {categories.Count} categor{(categories.Count == 1 ? "y" : "ies")} ({string.Join(", ", categories.Select(c => Name(c.Category)))}), base tag {Spec.BaseTag}"));
            return new ReleaseStatus { Phase = ReleasePhase.Progressing, Categories = categories, UpdatedAt = now };
        }

        private static string IdOf(StoredService service) => $"{service.Key.Tenant}/{service.Key.Name}";

        private ReleaseServiceStatus Member(StoredService service, string tag)
        {
            var image = service.Spec!.Spec.Image;
            var target = ImageReference.WithTag(image, tag);
            return target is null
                ? new ReleaseServiceStatus(service.Key.Tenant, service.Key.Name, ReleaseServiceState.Skipped, image) { Message = $"image {image} is pinned by digest: not changed" }
                : new ReleaseServiceStatus(service.Key.Tenant, service.Key.Name, ReleaseServiceState.Pending, target);
        }

        public ReleaseStatus Advance(ReleaseStatus status)
        {
            var categories = status.Categories.Select(c => new CategoryWork(c)).ToList();
            var phase = status.Phase;
            var failurePause = status.FailurePausedAtResumeRequests;
            var automatic = status.AutomaticRollback;

            if (phase is ReleasePhase.Progressing or ReleasePhase.Paused or ReleasePhase.Complete && Spec.Rollback)
            {
                phase = BeginRollback(categories, automatic: false);
                failurePause = null;
            }

            if (phase is ReleasePhase.Progressing or ReleasePhase.Paused)
            {
                foreach (var category in categories)
                {
                    category.ObserveForward(this);
                }

                var failed = categories.SelectMany(c => c.Services).Where(s => s.State == ReleaseServiceState.Failed).ToList();
                if (failed.Count > 0 && !Spec.PauseOnFailure)
                {
                    automatic = true;
                    phase = BeginRollback(categories, automatic: true, because: Describe(failed));
                }
                else if (failed.Count > 0 && failurePause is null)
                {
                    failurePause = Spec.ResumeRequests;
                    phase = ReleasePhase.Paused;
                    Events.Add(new ReleaseNote(EventType.Warning, "ReleasePaused",
                        $"{Describe(failed)}; paused (pauseOnFailure): fix it and `zpm release resume`, or `zpm release rollback`"));
                }
                else if (failed.Count > 0 && Spec.ResumeRequests > failurePause)
                {
                    foreach (var category in categories)
                    {
                        category.Retry(now);
                    }

                    failurePause = null;
                }
                else if (failed.Count == 0)
                {
                    // The failed services were fixed by hand (now Running with their new image): the pause has no cause left.
                    failurePause = null;
                }

                if (phase is ReleasePhase.Progressing or ReleasePhase.Paused && failurePause is null)
                {
                    if (Spec.Paused)
                    {
                        if (phase != ReleasePhase.Paused || status.FailurePausedAtResumeRequests is not null)
                        {
                            Events.Add(new ReleaseNote(EventType.Normal, "ReleasePaused", "paused by request (spec.paused)"));
                        }

                        phase = ReleasePhase.Paused;
                    }
                    else
                    {
                        if (phase == ReleasePhase.Paused)
                        {
                            Events.Add(new ReleaseNote(EventType.Normal, "ReleaseResumed", "resumed"));
                        }

                        phase = StartNext(categories);
                    }
                }
            }

            if (phase == ReleasePhase.RollingBack)
            {
                phase = RollBack(categories, automatic);
            }

            var all = categories.SelectMany(c => c.Services).ToList();
            var counts = new ReleaseCounts(
                all.Count,
                all.Count(s => s.State == ReleaseServiceState.Pending),
                all.Count(s => s.State is ReleaseServiceState.Rolling or ReleaseServiceState.RollingBack),
                all.Count(s => s.State == ReleaseServiceState.Done),
                all.Count(s => s.State is ReleaseServiceState.Failed or ReleaseServiceState.RollbackFailed),
                all.Count(s => s.State == ReleaseServiceState.Skipped),
                all.Count(s => s.State == ReleaseServiceState.RolledBack));
            var next = status with
            {
                Phase = phase,
                Categories = categories.Select(c => c.ToStatus()).ToList(),
                Counts = counts,
                FailurePausedAtResumeRequests = failurePause,
                AutomaticRollback = automatic,
            };
            next = next with { Message = Summary(next) };
            return Changed(status, next) ? next with { UpdatedAt = now } : status;
        }

        /// <summary>Starts services of the first category not done; moves on while categories finish. Returns the phase.</summary>
        private ReleasePhase StartNext(List<CategoryWork> categories)
        {
            foreach (var category in categories)
            {
                if (category.IsDone)
                {
                    category.Finish(this, now);
                    continue;
                }

                if (category.State == ReleaseCategoryState.Pending)
                {
                    category.State = ReleaseCategoryState.Rolling;
                    category.StartedAt = now;
                    Events.Add(new ReleaseNote(EventType.Normal, "CategoryStarted",
                        $"category {Name(category.Category)}: {category.Services.Count} service(s)"));
                }

                category.StartPending(this, Spec.MaxUnavailable);
                if (!category.IsDone)
                {
                    return ReleasePhase.Progressing;
                }

                category.Finish(this, now);
            }

            Events.Add(new ReleaseNote(EventType.Normal, "ReleaseComplete",
                $"{categories.Sum(c => c.Services.Count(s => s.State == ReleaseServiceState.Done))} service(s) run their new image"));

            return ReleasePhase.Complete;
        }

        private ReleasePhase BeginRollback(List<CategoryWork> categories, bool automatic, string? because = null)
        {
            var touched = categories.SelectMany(c => c.Services).Count(s => s.Touched);
            Events.Add(new ReleaseNote(automatic ? EventType.Warning : EventType.Normal, "RollbackStarted",
                $"{(automatic ? $"{because}; pauseOnFailure is false" : "requested")}: restoring {touched} service(s), categories in reverse order"));
            return ReleasePhase.RollingBack;
        }

        private ReleasePhase RollBack(List<CategoryWork> categories, bool automatic)
        {
            foreach (var category in categories)
            {
                category.ObserveRollback(this);
            }

            for (var i = categories.Count - 1; i >= 0; i--)
            {
                var category = categories[i];
                if (!category.NeedsRollback)
                {
                    continue;
                }

                if (category.State != ReleaseCategoryState.RollingBack)
                {
                    category.State = ReleaseCategoryState.RollingBack;
                    Events.Add(new ReleaseNote(EventType.Normal, "CategoryRollingBack", $"category {Name(category.Category)}"));
                }

                category.StartRollbacks(this, Spec.MaxUnavailable);
                if (category.NeedsRollback)
                {
                    return ReleasePhase.RollingBack;
                }

                category.State = ReleaseCategoryState.RolledBack;
                category.FinishedAt = now;
                Events.Add(new ReleaseNote(EventType.Normal, "CategoryRolledBack", $"category {Name(category.Category)}"));
            }

            var all = categories.SelectMany(c => c.Services).ToList();
            var message = $"rollback finished: {all.Count(s => s.State == ReleaseServiceState.RolledBack)} restored, "
                + $"{all.Count(s => s.State == ReleaseServiceState.RollbackFailed)} failed to restore, "
                + $"{all.Count(s => s.State == ReleaseServiceState.Skipped)} skipped";
            Events.Add(new ReleaseNote(automatic ? EventType.Warning : EventType.Normal, automatic ? "ReleaseFailed" : "ReleaseRolledBack", message));
            return automatic ? ReleasePhase.Failed : ReleasePhase.RolledBack;
        }

        /// <summary>The stored service of a release member, or null when it is gone or being deleted.</summary>
        public StoredService? Find(ReleaseServiceStatus member) =>
            _services.TryGetValue(member.Id, out var stored) && !stored.DeletionRequested ? stored : null;

        /// <summary>Rolling forward: done, failed, or still rolling (re-issuing a write that never landed).</summary>
        public ReleaseServiceStatus ObserveForward(ReleaseServiceStatus member)
        {
            var stored = Find(member);
            if (stored is null)
            {
                return Note(member with { State = ReleaseServiceState.Skipped, FinishedAt = now, Message = "deleted during the release" },
                    EventType.Warning, "ServiceSkipped", $"{member.Id} was deleted during the release");
            }

            if (stored.Spec is null)
            {
                return Fail(member, $"{member.Id} can no longer be read: {stored.InvalidReason}");
            }

            var image = stored.Spec.Spec.Image;
            if (image == member.TargetImage)
            {
                return Verdict(member, stored, ReleaseServiceState.Done, "ServiceDone", $"{member.Id} runs {image}")
                    ?? member;
            }

            if (image == member.PreviousImage)
            {
                // The status recording the start was written but the image write was not (a crash, a lost leadership): again.
                Writes.Add(new ReleaseImageWrite(member.Key, image, member.TargetImage));
                return member;
            }

            return Fail(member, $"{member.Id}'s image was changed to {image} by someone else during the release (it wrote {member.TargetImage})");
        }

        /// <summary>Rolling back: restored, failed to restore, or still restoring.</summary>
        public ReleaseServiceStatus ObserveRollback(ReleaseServiceStatus member)
        {
            var stored = Find(member);
            if (stored is null)
            {
                return Note(member with { State = ReleaseServiceState.Skipped, FinishedAt = now, Message = "deleted: nothing to restore" },
                    EventType.Warning, "ServiceSkipped", $"{member.Id} was deleted: nothing to restore");
            }

            var image = stored.Spec?.Spec.Image;
            if (image is not null && image == member.PreviousImage)
            {
                return Verdict(member, stored, ReleaseServiceState.RolledBack, "ServiceRolledBack", $"{member.Id} runs {image} again") ?? member;
            }

            if (image is not null && image == member.TargetImage)
            {
                Writes.Add(new ReleaseImageWrite(member.Key, image, member.PreviousImage!));
                return member;
            }

            return Note(member with { State = ReleaseServiceState.Skipped, FinishedAt = now, Message = $"not rolled back: its image was changed to {image ?? "an unreadable spec"} by someone else during the rollback" },
                EventType.Warning, "ServiceNotRolledBack", $"{member.Id} not rolled back: changed by someone else to {image ?? "an unreadable spec"}");
        }

        /// <summary>A forward start: record the image replaced, then write the target (unless it is there already).</summary>
        public ReleaseServiceStatus Start(ReleaseServiceStatus member)
        {
            var stored = Find(member);
            if (stored is null)
            {
                return Note(member with { State = ReleaseServiceState.Skipped, FinishedAt = now, Message = "deleted before the release reached it" },
                    EventType.Warning, "ServiceSkipped", $"{member.Id} was deleted before the release reached it");
            }

            if (stored.Spec is null)
            {
                return Fail(member, $"{member.Id} cannot be read: {stored.InvalidReason}");
            }

            var image = stored.Spec.Spec.Image;
            // The repository is the one the service has now (it may have been edited since the release began).
            var target = ImageReference.WithTag(image, ImageReference.Tag(member.TargetImage) ?? Spec.BaseTag);
            if (target is null)
            {
                return Note(member with { State = ReleaseServiceState.Skipped, FinishedAt = now, Message = $"image {image} is pinned by digest: not changed" },
                    EventType.Warning, "ServiceSkipped", $"{member.Id}: image {image} is pinned by digest: not changed");
            }

            if (image != target)
            {
                Writes.Add(new ReleaseImageWrite(member.Key, image, target));
            }

            return Note(member with { State = ReleaseServiceState.Rolling, TargetImage = target, PreviousImage = image, StartedAt = now, Message = null },
                EventType.Normal, "ServiceRolling", $"{member.Id}: {image} → {target}");
        }

        /// <summary>A rollback start: the image the release wrote goes back to the one it replaced, if nobody changed it since.</summary>
        public ReleaseServiceStatus StartRollback(ReleaseServiceStatus member)
        {
            var stored = Find(member);
            var image = stored?.Spec?.Spec.Image;
            if (stored is null || image is null)
            {
                return Note(member with { State = ReleaseServiceState.Skipped, FinishedAt = now, Message = "deleted or unreadable: nothing to restore" },
                    EventType.Warning, "ServiceNotRolledBack", $"{member.Id} is deleted or unreadable: nothing to restore");
            }

            if (image == member.TargetImage && image != member.PreviousImage)
            {
                Writes.Add(new ReleaseImageWrite(member.Key, image, member.PreviousImage!));
            }
            else if (image != member.PreviousImage)
            {
                return Note(member with { State = ReleaseServiceState.Skipped, FinishedAt = now, Message = $"not rolled back: its image is now {image}, not {member.TargetImage} as the release wrote (changed by someone else)" },
                    EventType.Warning, "ServiceNotRolledBack", $"{member.Id} not rolled back: its image is now {image}, changed by someone else since the release wrote {member.TargetImage}");
            }

            return Note(member with { State = ReleaseServiceState.RollingBack, StartedAt = now, FinishedAt = null, Message = null },
                EventType.Normal, "ServiceRollingBack", $"{member.Id}: {image} → {member.PreviousImage}");
        }

        /// <summary>
        /// Done (or rolled back) when Running with every replica ready under the current spec's hash; failed when that
        /// hash is Degraded or the deadline passed; null while it is still on its way.
        /// </summary>
        private ReleaseServiceStatus? Verdict(ReleaseServiceStatus member, StoredService stored, ReleaseServiceState success, string reason, string message)
        {
            var failure = success == ReleaseServiceState.Done ? ReleaseServiceState.Failed : ReleaseServiceState.RollbackFailed;
            var hash = SpecHasher.Hash(stored.Spec!.Spec);
            var status = stored.Status;
            if (status is not null && status.ObservedSpecHash == hash)
            {
                if (status.Phase == ResourcePhase.Running && status.Replicas.Ready == status.Replicas.Desired)
                {
                    return Note(member with { State = success, FinishedAt = now, Message = null }, EventType.Normal, reason, message);
                }

                if (status.Phase == ResourcePhase.Degraded)
                {
                    return Fail(member, $"{member.Id} is Degraded with {stored.Spec.Spec.Image}: {status.Message}", failure);
                }
            }

            if (member.StartedAt is { } started && now - started > Deadline)
            {
                return Fail(member, $"{member.Id} is not Running with {stored.Spec.Spec.Image} after {Spec.ProgressDeadlineSeconds} s (phase {status?.Phase.ToString() ?? "none"}: {status?.Message})", failure);
            }

            return null;
        }

        private ReleaseServiceStatus Fail(ReleaseServiceStatus member, string message, ReleaseServiceState state = ReleaseServiceState.Failed) =>
            Note(member with { State = state, FinishedAt = now, Message = message }, EventType.Warning,
                state == ReleaseServiceState.Failed ? "ServiceFailed" : "ServiceRollbackFailed", message);

        private ReleaseServiceStatus Note(ReleaseServiceStatus member, EventType type, string reason, string message)
        {
            Events.Add(new ReleaseNote(type, reason, message));
            return member;
        }

        private static string Describe(IReadOnlyList<ReleaseServiceStatus> failed) =>
            failed.Count == 1 ? failed[0].Message ?? $"{failed[0].Id} failed" : $"{failed.Count} services failed: {string.Join(", ", failed.Select(f => f.Id))}";
    }

    /// <summary>One category's services as they change during a look.</summary>
    private sealed class CategoryWork(ReleaseCategoryStatus status)
    {
        public ServiceCategory Category { get; } = status.Category;

        public ReleaseCategoryState State { get; set; } = status.State;

        public DateTimeOffset? StartedAt { get; set; } = status.StartedAt;

        public DateTimeOffset? FinishedAt { get; set; } = status.FinishedAt;

        public List<ReleaseServiceStatus> Services { get; } = [.. status.Services];

        public bool IsDone => Services.All(s => s.State is ReleaseServiceState.Done or ReleaseServiceState.Skipped);

        /// <summary>Services the rollback still owes something: touched and not restored, or being restored.</summary>
        public bool NeedsRollback => Services.Any(s => s.Touched || s.State == ReleaseServiceState.RollingBack);

        public void ObserveForward(Look look)
        {
            for (var i = 0; i < Services.Count; i++)
            {
                if (Services[i].State == ReleaseServiceState.Rolling)
                {
                    Services[i] = look.ObserveForward(Services[i]);
                }
            }

            if (Services.Any(s => s.State == ReleaseServiceState.Failed))
            {
                State = ReleaseCategoryState.Failed;
            }
        }

        public void ObserveRollback(Look look)
        {
            for (var i = 0; i < Services.Count; i++)
            {
                if (Services[i].State == ReleaseServiceState.RollingBack)
                {
                    Services[i] = look.ObserveRollback(Services[i]);
                }
            }
        }

        /// <summary>Failed services are looked at again (a resume after a failure pause), with a new deadline.</summary>
        public void Retry(DateTimeOffset now)
        {
            for (var i = 0; i < Services.Count; i++)
            {
                if (Services[i].State == ReleaseServiceState.Failed)
                {
                    Services[i] = Services[i] with { State = ReleaseServiceState.Rolling, StartedAt = now, FinishedAt = null, Message = null };
                }
            }

            if (State == ReleaseCategoryState.Failed)
            {
                State = ReleaseCategoryState.Rolling;
            }
        }

        public void StartPending(Look look, int maxUnavailable)
        {
            var rolling = Services.Count(s => s.State == ReleaseServiceState.Rolling);
            for (var i = 0; i < Services.Count && rolling < maxUnavailable; i++)
            {
                if (Services[i].State == ReleaseServiceState.Pending)
                {
                    Services[i] = look.Start(Services[i]);
                    rolling += Services[i].State == ReleaseServiceState.Rolling ? 1 : 0;
                }
            }
        }

        public void StartRollbacks(Look look, int maxUnavailable)
        {
            var inFlight = Services.Count(s => s.State == ReleaseServiceState.RollingBack);
            for (var i = 0; i < Services.Count && inFlight < maxUnavailable; i++)
            {
                if (Services[i].Touched)
                {
                    Services[i] = look.StartRollback(Services[i]);
                    inFlight += Services[i].State == ReleaseServiceState.RollingBack ? 1 : 0;
                }
            }
        }

        public void Finish(Look look, DateTimeOffset now)
        {
            if (State == ReleaseCategoryState.Done)
            {
                return;
            }

            State = ReleaseCategoryState.Done;
            StartedAt ??= now;
            FinishedAt = now;
            look.Events.Add(new ReleaseNote(EventType.Normal, "CategoryDone",
                $"category {Name(Category)}: {Services.Count(s => s.State == ReleaseServiceState.Done)} service(s) done"));
        }

        public ReleaseCategoryStatus ToStatus() =>
            new(Category, State, Services.ToList()) { StartedAt = StartedAt, FinishedAt = FinishedAt };
    }

    /// <summary>Category names as the documents spell them.</summary>
    public static string Name(ServiceCategory category) => category.ToString().ToLowerInvariant();

    private static string Summary(ReleaseStatus status)
    {
        var counts = status.Counts;
        var current = status.Categories.FirstOrDefault(c => c.State is ReleaseCategoryState.Rolling or ReleaseCategoryState.Failed or ReleaseCategoryState.RollingBack);
        var where = current is null ? "" : $", category {Name(current.Category)}";
        var failed = status.Services.FirstOrDefault(s => s.State is ReleaseServiceState.Failed or ReleaseServiceState.RollbackFailed);
        return status.Phase switch
        {
            ReleasePhase.Complete => $"{counts.Done} of {counts.Total} service(s) run their new image" + (counts.Skipped > 0 ? $", {counts.Skipped} skipped" : ""),
            ReleasePhase.Paused when status.FailurePausedAtResumeRequests is not null => $"paused after a failure{where}: {failed?.Message}",
            ReleasePhase.Paused => $"paused by request{where}: {counts.Done} of {counts.Total} done",
            ReleasePhase.RollingBack => $"rolling back{where}: {counts.RolledBack} restored",
            ReleasePhase.RolledBack => $"rolled back: {counts.RolledBack} restored, {counts.Skipped} skipped, {counts.Failed} failed",
            ReleasePhase.Failed => $"failed ({failed?.Message ?? "see events"}); rolled back: {counts.RolledBack} restored",
            _ => $"{counts.Done} of {counts.Total} done{where}",
        };
    }

    /// <summary>True when a reader would see a difference (time alone is not one: no churn while waiting).</summary>
    private static bool Changed(ReleaseStatus before, ReleaseStatus after) =>
        before.Phase != after.Phase
        || before.Message != after.Message
        || before.FailurePausedAtResumeRequests != after.FailurePausedAtResumeRequests
        || before.AutomaticRollback != after.AutomaticRollback
        || before.Counts != after.Counts
        || before.Categories.Count != after.Categories.Count
        || before.Categories.Zip(after.Categories).Any(pair => pair.First.State != pair.Second.State
            || pair.First.StartedAt != pair.Second.StartedAt || pair.First.FinishedAt != pair.Second.FinishedAt
            || !pair.First.Services.SequenceEqual(pair.Second.Services));
}
