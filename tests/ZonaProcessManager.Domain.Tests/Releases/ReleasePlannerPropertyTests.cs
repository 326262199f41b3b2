using CsCheck;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Releases;

namespace ZonaProcessManager.Domain.Tests.Releases;

/// <summary>
/// Random releases over random services, some of whose patch images fail: whatever happens, categories roll in order,
/// never more than maxUnavailable at once, and the release ends Complete with every target image, Paused with later
/// categories untouched, or rolled back with every touched service restored.
/// </summary>
public sealed class ReleasePlannerPropertyTests
{
    [Fact]
    public void Categories_roll_in_order_within_max_unavailable_and_end_in_a_consistent_state()
    {
        var services = Gen.Select(Gen.Enum<ServiceCategory>(), Gen.Bool, Gen.Bool).Array[1, 8];
        Gen.Select(services, Gen.Int[1, 3], Gen.Bool, Gen.Bool).Sample((members, maxUnavailable, pauseOnFailure, rollbackAtEnd) =>
        {
            var patched = members.Select((m, i) => (m, i)).Where(x => x.m.Item2).Select(x => $"t/s{x.i}").ToList();
            var spec = new ReleaseSpec
            {
                BaseTag = "2",
                MaxUnavailable = maxUnavailable,
                PauseOnFailure = pauseOnFailure,
                Patches = patched.Count > 0 ? [new ReleasePatch(patched, "2-p")] : [],
            };
            var world = new ReleaseWorld(new Release { Metadata = new ResourceMetadata { Name = "r" }, Spec = spec });
            for (var i = 0; i < members.Length; i++)
            {
                world.Add("t", $"s{i}", members[i].Item1, "repo:1");
            }

            if (members.Any(m => m.Item2 && m.Item3))
            {
                world.FailingTags.Add("2-p");
            }

            for (var round = 0; round < 100 && world.Status?.Phase is null or ReleasePhase.Progressing; round++)
            {
                world.Step();
                var categories = world.Status!.Categories;
                Assert.All(categories, c => Assert.True(c.Services.Count(s => s.State == ReleaseServiceState.Rolling) <= maxUnavailable));
                var firstOpen = categories.ToList().FindIndex(c => c.State != ReleaseCategoryState.Done);
                if (firstOpen >= 0)
                {
                    Assert.All(categories.Skip(firstOpen + 1).SelectMany(c => c.Services), s => Assert.Equal(ReleaseServiceState.Pending, s.State));
                }

                world.Converge();
            }

            if (world.Status!.Phase == ReleasePhase.Paused)
            {
                Assert.Contains(world.Status.Services, s => s.State == ReleaseServiceState.Failed);
            }

            if (world.Status.Phase == ReleasePhase.Complete)
            {
                Assert.All(world.Status.Services, s => Assert.Equal(s.TargetImage, world.ImageOf(s.Id)));
            }

            if (rollbackAtEnd || !pauseOnFailure)
            {
                world.Release = world.Release with { Spec = world.Release.Spec with { Rollback = rollbackAtEnd || world.Release.Spec.Rollback } };
                world.RunUntil(ReleasePhase.RolledBack, ReleasePhase.Failed, ReleasePhase.Complete);
                if (world.Status.Phase is ReleasePhase.RolledBack or ReleasePhase.Failed)
                {
                    Assert.All(world.Status.Services, s => Assert.Equal("repo:1", world.ImageOf(s.Id)));
                }
            }
        });
    }
}
