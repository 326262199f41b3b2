using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Releases;

namespace ZonaProcessManager.Domain.Tests.Releases;

public sealed class ReleaseRulesTests
{
    [Theory]
    [InlineData("zpm/busybox:latest", "1.1", "zpm/busybox:1.1")]
    [InlineData("busybox", "1.1", "busybox:1.1")]
    [InlineData("host:5000/repo", "1.1-p1", "host:5000/repo:1.1-p1")]
    [InlineData("host:5000/team/repo:1.0", "1.1", "host:5000/team/repo:1.1")]
    [InlineData("localhost:5000/repo:old", "new", "localhost:5000/repo:new")]
    public void Only_the_tag_changes(string image, string tag, string expected) => Assert.Equal(expected, ImageReference.WithTag(image, tag));

    [Theory]
    [InlineData("repo@sha256:abc")]
    [InlineData("host:5000/repo:1.0@sha256:abc")]
    public void A_digest_pinned_image_is_never_rewritten(string image) => Assert.Null(ImageReference.WithTag(image, "1.1"));

    [Theory]
    [InlineData("repo", null)]
    [InlineData("host:5000/repo", null)]
    [InlineData("host:5000/repo:1.0", "1.0")]
    [InlineData("repo:1.0@sha256:abc", "1.0")]
    public void The_tag_is_after_the_last_colon_of_the_last_path_part(string image, string? tag) => Assert.Equal(tag, ImageReference.Tag(image));

    [Theory]
    [InlineData("1.1", true)]
    [InlineData("1.1-p1", true)]
    [InlineData("_x", true)]
    [InlineData(".1", false)]
    [InlineData("-1", false)]
    [InlineData("a:b", false)]
    [InlineData("", false)]
    public void Tags_follow_dockers_grammar(string tag, bool valid) => Assert.Equal(valid, ImageReference.IsValidTag(tag));

    [Fact]
    public void A_good_release_has_no_problems()
    {
        var release = Release(new ReleaseSpec { BaseTag = "1.1", Patches = [new ReleasePatch(["acme/api"], "1.1-p1")] });
        Assert.Empty(ReleaseValidator.Validate(release));
    }

    [Fact]
    public void Every_broken_rule_is_reported_at_once()
    {
        var release = Release(new ReleaseSpec
        {
            BaseTag = "-bad",
            Patches = [new ReleasePatch(["acme/api", "api"], "ok"), new ReleasePatch(["acme/api"], "a:b"), new ReleasePatch([], "x")],
            Order = [ServiceCategory.App, ServiceCategory.App],
            MaxUnavailable = 0,
            ProgressDeadlineSeconds = 5,
            Selector = new ReleaseSelector { Tenants = ["Bad"] },
        });
        var problems = ReleaseValidator.Validate(release);
        Assert.Contains(problems, p => p.StartsWith("spec.baseTag", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("'api' must be <tenant>/<name>", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("acme/api is named by more than one patch", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("spec.patches[1].tag", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("spec.patches[2].services must name", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("app more than once", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("spec.maxUnavailable", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("spec.progressDeadlineSeconds", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("spec.selector.tenants[0]", StringComparison.Ordinal));
    }

    private static Release Release(ReleaseSpec spec) => new() { Metadata = new ResourceMetadata { Name = "r1" }, Spec = spec };
}
