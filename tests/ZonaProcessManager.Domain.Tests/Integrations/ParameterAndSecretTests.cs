using ZonaProcessManager.Domain.Integrations;
using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Domain.Tests.Integrations;

public class ParameterResolverTests
{
    internal static readonly IntegrationDefinitionSpec Splunk = new()
    {
        IntegrationId = 7,
        Title = "Splunk connector",
        Executable = "splunk-connector",
        Image = "zpm/busybox:latest",
        Command = ["httpd", "-f", "-p", "8080"],
        Ports = [new IntegrationPort("http", 8080)],
        Parameters =
        [
            new IntegrationParameter("url", "SPLUNK_URL", Required: true),
            new IntegrationParameter("token", "SPLUNK_TOKEN", Required: true, Secret: true),
            new IntegrationParameter("index", "SPLUNK_INDEX", Default: "main"),
            new IntegrationParameter("proxy", "HTTPS_PROXY"),
        ],
        HealthCheck = new HealthCheckSpec { Http = new HttpProbe(8080, "/") },
    };

    [Fact]
    public void Values_and_defaults_become_env_under_the_catalog_names()
    {
        var resolved = ParameterResolver.Resolve(Splunk, new Dictionary<string, string> { ["url"] = "https://splunk", ["token"] = "s3cr3t" });

        Assert.True(resolved.IsValid);
        Assert.Equal(new Dictionary<string, string>
        {
            ["SPLUNK_URL"] = "https://splunk",
            ["SPLUNK_TOKEN"] = "s3cr3t",
            ["SPLUNK_INDEX"] = "main",
        }, resolved.Env);
        Assert.Equal(["SPLUNK_TOKEN"], resolved.SecretEnvNames);
        Assert.Equal(["s3cr3t"], resolved.SecretValues);
    }

    [Fact]
    public void A_given_value_overrides_the_default()
    {
        var resolved = ParameterResolver.Resolve(Splunk, new Dictionary<string, string> { ["url"] = "u", ["token"] = "t", ["index"] = "audit" });

        Assert.Equal("audit", resolved.Env["SPLUNK_INDEX"]);
    }

    [Fact]
    public void Missing_required_and_unknown_parameters_are_named_without_any_value()
    {
        var resolved = ParameterResolver.Resolve(Splunk, new Dictionary<string, string> { ["token"] = "", ["colour"] = "hunter2" });

        Assert.False(resolved.IsValid);
        Assert.Equal(
        [
            "unknown parameter 'colour' (integration 7 accepts: index, proxy, token, url)",
            "missing required parameter 'url'",
            "missing required parameter 'token'",
        ], resolved.Problems);
        Assert.DoesNotContain(resolved.Problems, p => p.Contains("hunter2"));
    }

    [Fact]
    public void A_broken_catalog_entry_is_reported()
    {
        var broken = Splunk with
        {
            Parameters = [new IntegrationParameter("a", "X"), new IntegrationParameter("b", "X"), new IntegrationParameter("a", "Y")],
        };

        var resolved = ParameterResolver.Resolve(broken, null);

        Assert.Contains("catalog integration 7 declares parameter 'a' 2 times", resolved.Problems);
        Assert.Contains("catalog integration 7 maps 2 parameters to env 'X'", resolved.Problems);
    }
}

public class SecretRedactorTests
{
    [Fact]
    public void Secret_env_values_are_masked_and_others_kept()
    {
        var env = new Dictionary<string, string> { ["SPLUNK_TOKEN"] = "s3cr3t", ["SPLUNK_URL"] = "https://splunk" };

        var shown = SecretRedactor.RedactEnv(env, new HashSet<string> { "SPLUNK_TOKEN" });

        Assert.Equal(new Dictionary<string, string> { ["SPLUNK_TOKEN"] = "***", ["SPLUNK_URL"] = "https://splunk" }, shown);
        Assert.Equal("s3cr3t", env["SPLUNK_TOKEN"]);
    }

    [Fact]
    public void A_redacted_spec_keeps_everything_but_secret_values()
    {
        var spec = new ServiceSpecBody { Image = "img", Env = new Dictionary<string, string> { ["T"] = "x", ["U"] = "y" } };

        var shown = SecretRedactor.RedactSpec(spec, new HashSet<string> { "T" });

        Assert.Equal("img", shown.Image);
        Assert.Equal("***", shown.Env["T"]);
        Assert.Equal("y", shown.Env["U"]);
    }

    [Fact]
    public void Secrets_echoed_in_free_text_are_masked_whole()
    {
        var text = "create failed: env SPLUNK_TOKEN=abc123xyz, backup token abc123";

        var shown = SecretRedactor.RedactText(text, ["abc123", "abc123xyz", "", null]);

        Assert.Equal("create failed: env SPLUNK_TOKEN=***, backup token ***", shown);
    }

    [Fact]
    public void Without_the_annotation_nothing_is_declared_secret()
    {
        Assert.Empty(SecretRedactor.SecretEnvNames(new ResourceMetadata { Name = "web" }));
        Assert.Empty(SecretRedactor.SecretEnvNames(null));
        Assert.Equal(["A", "B"], SecretRedactor.SecretEnvNames(new ResourceMetadata
        {
            Name = "web",
            Annotations = new Dictionary<string, string> { [SecretRedactor.SecretEnvAnnotation] = "B, A,," },
        }).Order());
    }

    [Fact]
    public void Text_without_secrets_is_unchanged()
    {
        Assert.Equal("port is already allocated", SecretRedactor.RedactText("port is already allocated", ["s3cr3t"]));
        Assert.Equal("", SecretRedactor.RedactText(null, ["s3cr3t"]));
    }
}
