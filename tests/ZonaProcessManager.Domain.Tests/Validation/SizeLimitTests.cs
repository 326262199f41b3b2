using ZonaProcessManager.Domain.Integrations;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Validation;

namespace ZonaProcessManager.Domain.Tests.Validation;

public class SizeLimitTests
{
    private static ServiceSpec Spec(Func<ServiceSpecBody, ServiceSpecBody> change, ResourceMetadata? metadata = null) => new()
    {
        Metadata = metadata ?? new ResourceMetadata { Name = "web", Tenant = "acme" },
        Spec = change(new ServiceSpecBody { Image = "zpm/busybox:latest" }),
    };

    private static IEnumerable<string> Problems(ServiceSpec spec) => ServiceSpecValidator.Validate(spec).Select(p => p.ToString());

    [Fact]
    public void A_command_with_too_many_arguments_says_how_many_and_the_limit()
    {
        var problems = Problems(Spec(s => s with { Command = [.. Enumerable.Repeat("x", 5000)] }));

        Assert.Contains("spec.command: has 5000 arguments; at most 256", problems);
    }

    [Fact]
    public void A_one_mebibyte_argument_is_refused_with_its_index_and_size()
    {
        var problems = Problems(Spec(s => s with { Command = ["sh", "-c", "echo", new string('a', 1024 * 1024)] }));

        Assert.Contains("spec.command[3]: is 1048576 bytes; at most 131071 (Linux MAX_ARG_STRLEN)", problems);
    }

    [Fact]
    public void Sizes_count_utf8_bytes_and_the_whole_command_is_bounded_too()
    {
        var threeByteCharacters = new string('€', 50_000); // 150 000 bytes
        var problems = Problems(Spec(s => s with { Command = [threeByteCharacters, new string('a', 100_000), new string('a', 100_000)] }));

        Assert.Contains("spec.command[0]: is 150000 bytes; at most 131071 (Linux MAX_ARG_STRLEN)", problems);
        Assert.Contains("spec.command: is 350003 bytes in all; at most 262144", problems);
    }

    [Fact]
    public void A_spec_at_every_limit_is_valid()
    {
        var spec = Spec(s => s with
        {
            Image = "registry.example/" + new string('a', 400),
            Command = [new string('a', SpecLimits.MaxArgumentBytes), .. Enumerable.Repeat("b", 255)],
            Env = Enumerable.Range(0, 256).ToDictionary(i => $"V{i}", _ => "v"),
            Networks = [.. Enumerable.Range(0, 16).Select(i => $"net{i}")],
        });

        Assert.Empty(ServiceSpecValidator.Validate(spec));
    }

    [Fact]
    public void An_oversized_env_value_is_reported_without_the_value()
    {
        var secret = "s3cret-" + new string('x', 200_000);
        var problems = Problems(Spec(s => s with { Env = new Dictionary<string, string> { ["API_KEY"] = secret } })).ToList();

        Assert.Contains("spec.env.API_KEY: is 200015 bytes as NAME=value; at most 131071 (Linux MAX_ARG_STRLEN)", problems);
        Assert.DoesNotContain(problems, p => p.Contains("s3cret"));
    }

    public static TheoryData<string, ServiceSpec> Oversized() => new()
    {
        { "spec.image: is 513 bytes; at most 512", Spec(s => s with { Image = new string('a', 513) }) },
        { "spec.env: has 257 variables; at most 256", Spec(s => s with { Env = Enumerable.Range(0, 257).ToDictionary(i => $"V{i}", _ => "v") }) },
        { "spec.ports: has 129 ports; at most 128", Spec(s => s with { Ports = [.. Enumerable.Range(1, 129).Select(p => new PortSpec(p, null))] }) },
        { "spec.volumes: has 65 volumes; at most 64", Spec(s => s with { Volumes = [.. Enumerable.Range(0, 65).Select(i => new VolumeSpec { Name = $"v{i}", Target = $"/v{i}" })] }) },
        { "spec.networks: has 17 networks; at most 16", Spec(s => s with { Networks = [.. Enumerable.Range(0, 17).Select(i => $"n{i}")] }) },
        { "spec.networks[0]: is 129 bytes; at most 128", Spec(s => s with { Networks = [new string('n', 129)] }) },
        { "spec.dependsOn: has 65 entries; at most 64", Spec(s => s with { DependsOn = [.. Enumerable.Range(0, 65).Select(i => $"d{i}")] }) },
        { "spec.healthCheck.exec: has 257 arguments; at most 256", Spec(s => s with { HealthCheck = new HealthCheckSpec { Exec = [.. Enumerable.Repeat("x", 257)] } }) },
        { "metadata.labels: has 65 entries; at most 64", Spec(s => s, new ResourceMetadata { Name = "web", Labels = Enumerable.Range(0, 65).ToDictionary(i => $"l{i}", _ => "v") }) },
        { "metadata.annotations['a']: is 262145 bytes; at most 262144", Spec(s => s, new ResourceMetadata { Name = "web", Annotations = new Dictionary<string, string> { ["a"] = new string('a', 262_145) } }) },
    };

    [Theory]
    [MemberData(nameof(Oversized))]
    public void Oversized_fields_are_refused_with_size_and_limit(string expected, ServiceSpec spec)
    {
        Assert.Contains(expected, Problems(spec));
    }

    [Fact]
    public void An_oversized_integration_parameter_is_refused_without_its_value()
    {
        var definition = new IntegrationDefinitionSpec
        {
            IntegrationId = 1,
            Image = "zpm/busybox:latest",
            Parameters = [new IntegrationParameter("api_key", "API_KEY", Required: true, Secret: true)],
        };

        var resolved = ParameterResolver.Resolve(definition, new Dictionary<string, string> { ["api_key"] = "s3cret" + new string('x', 70_000) });

        Assert.Contains("parameter 'api_key' is 70006 bytes; at most 65536", resolved.Problems);
        Assert.DoesNotContain(resolved.Problems, p => p.Contains("s3cret"));
    }
}
