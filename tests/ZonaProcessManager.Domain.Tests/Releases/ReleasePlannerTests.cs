using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Releases;

namespace ZonaProcessManager.Domain.Tests.Releases;

public sealed class ReleasePlannerTests
{
    private const string Repo = "registry.example:5000/team/app";

    private static Release NewRelease(Func<ReleaseSpec, ReleaseSpec>? change = null)
    {
        var spec = new ReleaseSpec
        {
            BaseTag = "1.1",
            Patches = [new ReleasePatch(["acme/api", "acme/db"], "1.1-p1")],
        };
        return new Release { Metadata = new ResourceMetadata { Name = "r1" }, Spec = change is null ? spec : change(spec) };
    }

    /// <summary>Six services in three categories: system (2), core (2), app (2).</summary>
    private static ReleaseWorld SixServices(Release release) => new ReleaseWorld(release)
        .Add("system", "proxy", ServiceCategory.System, $"{Repo}:1.0")
        .Add("system", "dns", ServiceCategory.System, $"{Repo}:1.0")
        .Add("acme", "db", ServiceCategory.Core, $"{Repo}:1.0")
        .Add("acme", "queue", ServiceCategory.Core, $"{Repo}:1.0")
        .Add("acme", "api", ServiceCategory.App, $"{Repo}:1.0")
        .Add("acme", "web", ServiceCategory.App, $"{Repo}:1.0");

    private static readonly string[] All = ["system/proxy", "system/dns", "acme/db", "acme/queue", "acme/api", "acme/web"];

    [Fact]
    public void A_release_rolls_category_by_category_and_ends_complete_with_base_and_patch_tags()
    {
        var world = SixServices(NewRelease());
        var seen = new List<string>();
        for (var round = 0; round < 100 && world.Status?.Phase != ReleasePhase.Complete; round++)
        {
            world.Step();
            // Never a service of a later category started while an earlier category is not done.
            var categories = world.Status!.Categories;
            var firstOpen = categories.ToList().FindIndex(c => c.State != ReleaseCategoryState.Done);
            if (firstOpen >= 0)
            {
                Assert.All(categories.Skip(firstOpen + 1).SelectMany(c => c.Services), s => Assert.Equal(ReleaseServiceState.Pending, s.State));
            }

            seen.AddRange(world.Events.Where(e => e.Reason == "CategoryStarted").Select(e => e.Message).Except(seen));
            world.Converge();
        }

        Assert.Equal(ReleasePhase.Complete, world.Status!.Phase);
        Assert.Equal(["category system: 2 service(s)", "category core: 2 service(s)", "category app: 2 service(s)"], seen);
        Assert.Equal($"{Repo}:1.1-p1", world.ImageOf("acme/api"));
        Assert.Equal($"{Repo}:1.1-p1", world.ImageOf("acme/db"));
        foreach (var id in new[] { "system/proxy", "system/dns", "acme/queue", "acme/web" })
        {
            Assert.Equal($"{Repo}:1.1", world.ImageOf(id));
        }

        Assert.Equal(new ReleaseCounts(6, 0, 0, 6, 0, 0, 0), world.Status.Counts);
        Assert.All(world.Status.Services, s => Assert.Equal($"{Repo}:1.0", s.PreviousImage));
        Assert.All(world.Writes, w => Assert.Equal($"{Repo}:1.0", w.ExpectedImage));
        Assert.Equal(6, world.Writes.Count);
        Assert.Null(world.Step().RequeueAfter);
    }

    [Fact]
    public void A_category_finishes_only_when_every_service_is_running_the_new_revision()
    {
        var world = SixServices(NewRelease(s => s with { MaxUnavailable = 2 }));
        world.Frozen.Add("system/dns"); // started together with proxy (maxUnavailable 2), never Running
        world.Step();
        world.Converge();
        world.Step();
        Assert.Equal(ReleaseServiceState.Done, world.Member("system/proxy").State);
        Assert.Equal(ReleaseServiceState.Rolling, world.Member("system/dns").State);
        Assert.All(world.Status!.Categories.Skip(1).SelectMany(c => c.Services), s => Assert.Equal(ReleaseServiceState.Pending, s.State));
        Assert.Equal(ReleasePhase.Progressing, world.Status.Phase);
        Assert.Equal(TimeSpan.FromSeconds(2), world.Step().RequeueAfter);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    public void At_most_max_unavailable_services_roll_at_once(int maxUnavailable)
    {
        var world = SixServices(NewRelease(s => s with { MaxUnavailable = maxUnavailable }));
        var most = 0;
        for (var round = 0; round < 100 && world.Status?.Phase != ReleasePhase.Complete; round++)
        {
            world.Step();
            most = Math.Max(most, world.Status!.Services.Count(s => s.State == ReleaseServiceState.Rolling));
            world.Converge();
        }

        Assert.Equal(ReleasePhase.Complete, world.Status!.Phase);
        Assert.Equal(Math.Min(maxUnavailable, 2), most);
    }

    [Fact]
    public void A_failing_patch_pauses_the_release_and_leaves_later_categories_untouched()
    {
        var world = SixServices(NewRelease());
        world.FailingTags.Add("1.1-p1");
        world.RunUntil(ReleasePhase.Paused);

        var db = world.Member("acme/db");
        Assert.Equal(ReleaseServiceState.Failed, db.State);
        Assert.Contains("Degraded", db.Message);
        Assert.Equal(ReleaseCategoryState.Failed, world.Status!.Categories[1].State);
        Assert.Equal(ReleaseServiceState.Pending, world.Member("acme/queue").State);
        Assert.All(["acme/api", "acme/web"], id => Assert.Equal($"{Repo}:1.0", world.ImageOf(id)));
        Assert.Contains(world.Events, e => e.Reason == "ReleasePaused" && e.Type == EventType.Warning);

        // Nothing more starts however often it looks.
        for (var i = 0; i < 5; i++)
        {
            world.Converge();
            world.Step();
        }

        Assert.Equal(ReleasePhase.Paused, world.Status.Phase);
        Assert.Equal($"{Repo}:1.0", world.ImageOf("acme/queue"));
        Assert.Null(world.Step().RequeueAfter);
    }

    [Fact]
    public void A_resume_after_a_failure_looks_at_the_failed_service_again_and_carries_on_once_it_runs()
    {
        var world = SixServices(NewRelease());
        world.FailingTags.Add("1.1-p1");
        world.RunUntil(ReleasePhase.Paused);

        // A resume without a fix fails again at once and pauses again.
        world.Release = world.Release with { Spec = world.Release.Spec with { ResumeRequests = 1 } };
        world.Step();
        Assert.Equal(ReleasePhase.Progressing, world.Status!.Phase);
        world.Step();
        Assert.Equal(ReleasePhase.Paused, world.Status.Phase);

        // Fixed (the image under that tag now works) and resumed: the release completes.
        world.FailingTags.Clear();
        world.Recover("acme/db");
        world.Release = world.Release with { Spec = world.Release.Spec with { ResumeRequests = 2 } };
        world.RunUntil(ReleasePhase.Complete);
        Assert.Equal($"{Repo}:1.1", world.ImageOf("acme/web"));
    }

    [Fact]
    public void Without_pause_on_failure_the_release_rolls_back_what_it_touched_and_ends_failed()
    {
        var world = SixServices(NewRelease(s => s with { PauseOnFailure = false }));
        world.FailingTags.Add("1.1-p1");
        world.RunUntil(ReleasePhase.Failed);

        Assert.All(All, id => Assert.Equal($"{Repo}:1.0", world.ImageOf(id)));
        Assert.Equal(ReleaseServiceState.RolledBack, world.Member("acme/db").State);
        Assert.Equal(ReleaseServiceState.RolledBack, world.Member("system/proxy").State);
        Assert.Equal(ReleaseServiceState.Pending, world.Member("acme/api").State);
        // The app category was never written to.
        Assert.DoesNotContain(world.Writes, w => w.Service.Name is "api" or "web");
        var rolledBack = world.Events.Where(e => e.Reason == "CategoryRollingBack").Select(e => e.Message).ToList();
        Assert.Equal(["category core", "category system"], rolledBack);
        Assert.True(world.Status!.AutomaticRollback);
    }

    [Fact]
    public void A_requested_rollback_of_a_complete_release_restores_every_image_in_reverse_category_order()
    {
        var world = SixServices(NewRelease());
        world.RunUntil(ReleasePhase.Complete);
        world.Release = world.Release with { Spec = world.Release.Spec with { Rollback = true } };
        world.RunUntil(ReleasePhase.RolledBack);

        Assert.All(All, id => Assert.Equal($"{Repo}:1.0", world.ImageOf(id)));
        Assert.Equal(["category app", "category core", "category system"],
            world.Events.Where(e => e.Reason == "CategoryRollingBack").Select(e => e.Message).ToList());
        Assert.Equal(new ReleaseCounts(6, 0, 0, 0, 0, 0, 6), world.Status!.Counts);
        Assert.All(world.Writes.Skip(6), w => Assert.Equal($"{Repo}:1.0", w.NewImage));
    }

    [Fact]
    public void A_rollback_leaves_a_service_someone_else_changed_since_and_says_so()
    {
        var world = SixServices(NewRelease());
        world.RunUntil(ReleasePhase.Complete);
        world.SetImageByHand("acme/web", $"{Repo}:2.0-hotfix");
        world.Release = world.Release with { Spec = world.Release.Spec with { Rollback = true } };
        world.RunUntil(ReleasePhase.RolledBack);

        Assert.Equal($"{Repo}:2.0-hotfix", world.ImageOf("acme/web"));
        var web = world.Member("acme/web");
        Assert.Equal(ReleaseServiceState.Skipped, web.State);
        Assert.Contains("2.0-hotfix", web.Message);
        Assert.DoesNotContain(world.Writes, w => w.Service.Name == "web" && w.NewImage == $"{Repo}:1.0");
        Assert.Equal($"{Repo}:1.0", world.ImageOf("acme/api"));
        Assert.Contains(world.Events, e => e.Reason == "ServiceNotRolledBack" && e.Message.Contains("acme/web"));
    }

    [Fact]
    public void An_image_changed_by_someone_else_while_rolling_fails_the_service_and_is_not_overwritten()
    {
        var world = SixServices(NewRelease());
        world.Frozen.Add("system/dns");
        world.Step(); // dns starts (frozen: never converges)
        world.SetImageByHand("system/dns", $"{Repo}:mine");
        world.Step();

        var dns = world.Member("system/dns");
        Assert.Equal(ReleaseServiceState.Failed, dns.State);
        Assert.Contains("someone else", dns.Message);
        Assert.Equal($"{Repo}:mine", world.ImageOf("system/dns"));
        Assert.Equal(ReleasePhase.Paused, world.Status!.Phase);
    }

    [Fact]
    public void A_digest_pinned_image_is_skipped_and_never_written()
    {
        var world = SixServices(NewRelease());
        world.SetImageByHand("acme/queue", $"{Repo}@sha256:0123456789abcdef");
        world.RunUntil(ReleasePhase.Complete);

        var queue = world.Member("acme/queue");
        Assert.Equal(ReleaseServiceState.Skipped, queue.State);
        Assert.Contains("digest", queue.Message);
        Assert.DoesNotContain(world.Writes, w => w.Service.Name == "queue");
        Assert.Equal(1, world.Status!.Counts.Skipped);
    }

    [Fact]
    public void A_start_whose_image_write_was_lost_is_written_again()
    {
        var world = SixServices(NewRelease());
        var first = world.Step();
        var dns = Assert.Single(first.Writes);
        Assert.Equal("dns", dns.Service.Name);
        // The status was written but the image write never landed (a crash): undo it in the world.
        world.SetImageByHand("system/dns", $"{Repo}:1.0");
        var again = world.Step();
        Assert.Equal(dns, Assert.Single(again.Writes));
        Assert.Equal($"{Repo}:1.0", world.Member("system/dns").PreviousImage);
    }

    [Fact]
    public void A_paused_release_starts_nothing_new_until_unpaused()
    {
        var world = SixServices(NewRelease());
        world.Step();
        world.Converge();
        world.Release = world.Release with { Spec = world.Release.Spec with { Paused = true } };
        for (var i = 0; i < 4; i++)
        {
            world.Step();
            world.Converge();
        }

        Assert.Equal(ReleasePhase.Paused, world.Status!.Phase);
        Assert.Equal(ReleaseServiceState.Done, world.Member("system/dns").State);
        Assert.Equal(ReleaseServiceState.Pending, world.Member("system/proxy").State);
        world.Release = world.Release with { Spec = world.Release.Spec with { Paused = false } };
        world.RunUntil(ReleasePhase.Complete);
    }

    [Fact]
    public void A_service_not_running_within_the_deadline_fails()
    {
        var world = SixServices(NewRelease(s => s with { ProgressDeadlineSeconds = 30 }));
        world.Frozen.Add("system/dns");
        world.Step();
        world.Now += TimeSpan.FromSeconds(29);
        world.Step();
        Assert.Equal(ReleaseServiceState.Rolling, world.Member("system/dns").State);
        world.Now += TimeSpan.FromSeconds(2);
        world.Step();
        Assert.Equal(ReleaseServiceState.Failed, world.Member("system/dns").State);
        Assert.Contains("30 s", world.Member("system/dns").Message);
    }

    [Fact]
    public void The_selector_picks_tenants_categories_and_labels_and_the_order_leaves_unlisted_categories_out()
    {
        var labels = new Dictionary<string, string> { ["tier"] = "edge" };
        var world = new ReleaseWorld(NewRelease(s => s with
        {
            Selector = new ReleaseSelector { Tenants = ["acme"], Labels = labels },
            Order = [ServiceCategory.App, ServiceCategory.Core],
            Patches = [],
        }))
            .Add("acme", "api", ServiceCategory.App, "busybox:1.0", labels)
            .Add("acme", "db", ServiceCategory.Core, "busybox:1.0", labels)
            .Add("acme", "cron", ServiceCategory.Batch, "busybox:1.0", labels)
            .Add("acme", "other", ServiceCategory.App, "busybox:1.0")
            .Add("beta", "api", ServiceCategory.App, "busybox:1.0", labels);
        world.RunUntil(ReleasePhase.Complete);

        Assert.Equal(["acme/api", "acme/db"], world.Status!.Services.Select(s => s.Id).ToList());
        Assert.Equal("busybox:1.1", world.ImageOf("acme/db"));
        Assert.Equal("busybox:1.0", world.ImageOf("acme/cron"));
        Assert.Equal("busybox:1.0", world.ImageOf("acme/other"));
        Assert.Equal("busybox:1.0", world.ImageOf("beta/api"));
    }

    [Fact]
    public void A_release_selecting_nothing_is_complete_at_once_and_a_patch_outside_the_selection_is_reported()
    {
        var world = new ReleaseWorld(NewRelease(s => s with { Selector = new ReleaseSelector { Tenants = ["nobody"] } }))
            .Add("acme", "api", ServiceCategory.App, "busybox:1.0");
        world.Step();
        Assert.Equal(ReleasePhase.Complete, world.Status!.Phase);
        Assert.Contains(world.Events, e => e.Reason == "PatchIgnored" && e.Message.Contains("acme/api"));
        Assert.Equal("busybox:1.0", world.ImageOf("acme/api"));
    }

    [Fact]
    public void A_look_that_changes_nothing_returns_the_same_status()
    {
        var world = SixServices(NewRelease());
        world.Frozen.Add("system/dns");
        world.Step();
        var before = world.Status;
        world.Now += TimeSpan.FromSeconds(1);
        var plan = world.Step();
        Assert.Same(before, plan.Status);
        Assert.Empty(plan.Writes);
        Assert.Empty(plan.Events);
    }

    [Fact]
    public void A_service_deleted_during_the_release_is_skipped_and_does_not_block_it()
    {
        var world = SixServices(NewRelease());
        world.Step();
        world.Remove("acme/web");
        world.RunUntil(ReleasePhase.Complete);
        Assert.Equal(ReleaseServiceState.Skipped, world.Member("acme/web").State);
    }
}
