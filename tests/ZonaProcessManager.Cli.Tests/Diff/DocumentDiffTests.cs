using MongoDB.Bson;
using ZonaProcessManager.Cli.Diff;

namespace ZonaProcessManager.Cli.Tests.Diff;

public sealed class DocumentDiffTests
{
    private static readonly IReadOnlySet<string> NoSecrets = new HashSet<string>();

    private static List<string> Lines(BsonDocument? stored, BsonDocument desired, IReadOnlySet<string>? secrets = null) =>
        [.. DocumentDiff.Compare(stored, desired, secrets ?? NoSecrets).Select(change => change.ToString())];

    [Fact]
    public void Each_changed_added_and_removed_field_is_one_line_named_by_its_path()
    {
        var stored = BsonDocument.Parse("""
            { spec: { image: "zpm/busybox:1.0", replicas: 2, env: { A: "1", OLD: "x" }, command: ["/bin/httpd", "-f", "-p", "8080"] } }
            """);
        var desired = BsonDocument.Parse("""
            { spec: { image: "zpm/busybox:1.1", replicas: 2, env: { A: "1", NEW: "y" }, command: ["/bin/httpd", "-f"], suspended: true } }
            """);

        Assert.Equal(
            [
                "~ spec.image: zpm/busybox:1.0 → zpm/busybox:1.1",
                "+ spec.env.NEW: y",
                "- spec.env.OLD: x",
                "- spec.command[2]: -p",
                "- spec.command[3]: \"8080\"",
                "+ spec.suspended: true",
            ],
            Lines(stored, desired));
    }

    [Fact]
    public void Key_order_and_the_numeric_type_of_an_equal_number_are_no_difference()
    {
        var stored = BsonDocument.Parse("""{ spec: { replicas: 2.0, ports: [{ host: "auto", container: NumberLong(8080) }], image: "a" } }""");
        var desired = BsonDocument.Parse("""{ spec: { image: "a", ports: [{ container: 8080, host: "auto" }], replicas: 2 } }""");

        Assert.Empty(Lines(stored, desired));
    }

    [Fact]
    public void A_new_document_lists_every_field_as_added_with_lists_inline()
    {
        var desired = BsonDocument.Parse("""{ kind: "ServiceSpec", metadata: { name: "web", labels: {} }, spec: { ports: [{ container: 8080, host: "auto" }] } }""");

        Assert.Equal(
            [
                "+ kind: ServiceSpec",
                "+ metadata.name: web",
                "+ metadata.labels: {}",
                "+ spec.ports: [{container: 8080, host: auto}]",
            ],
            Lines(null, desired));
    }

    [Fact]
    public void A_changed_type_shows_both_values_and_text_that_reads_as_another_type_is_quoted()
    {
        var stored = BsonDocument.Parse("""{ spec: { port: 8080, greeting: "hello world", flag: "true" } }""");
        var desired = BsonDocument.Parse("""{ spec: { port: "8080", greeting: "hello", flag: true } }""");

        Assert.Equal(
            [
                "~ spec.port: 8080 → \"8080\"",
                "~ spec.greeting: \"hello world\" → hello",
                "~ spec.flag: \"true\" → true",
            ],
            Lines(stored, desired));
    }

    [Fact]
    public void A_changed_secret_prints_no_value_and_an_added_or_removed_one_prints_the_mask()
    {
        var secrets = new HashSet<string> { "spec.env.API_KEY", "spec.env.TOKEN", "spec.env.PASSWORD" };
        var stored = BsonDocument.Parse("""{ spec: { env: { API_KEY: "old-secret-1", PASSWORD: "gone-secret-2", PLAIN: "a" } } }""");
        var desired = BsonDocument.Parse("""{ spec: { env: { API_KEY: "new-secret-3", TOKEN: "added-secret-4", PLAIN: "b" } } }""");

        var lines = Lines(stored, desired, secrets);

        Assert.Equal(
            [
                "~ spec.env.API_KEY: (secret changed)",
                "+ spec.env.TOKEN: ***",
                "~ spec.env.PLAIN: a → b",
                "- spec.env.PASSWORD: ***",
            ],
            lines);
        Assert.DoesNotContain(lines, line => line.Contains("secret-", StringComparison.Ordinal));
    }

    [Fact]
    public void A_secret_inside_a_whole_added_or_removed_value_is_masked_too()
    {
        var secrets = new HashSet<string> { "spec.env.API_KEY", "spec.parameters[1].default" };
        var stored = BsonDocument.Parse("""{ spec: { env: { API_KEY: "stored-secret-1" }, parameters: [{ name: "a" }] } }""");
        var desired = BsonDocument.Parse("""{ spec: { parameters: [{ name: "a" }, { name: "key", secret: true, default: "default-secret-2" }] } }""");

        var lines = Lines(stored, desired, secrets);

        Assert.Equal(
            [
                "+ spec.parameters[1]: {name: key, secret: true, default: ***}",
                "- spec.env.API_KEY: ***",
            ],
            lines);
    }

    [Fact]
    public void Non_ascii_text_is_shown_as_it_is()
    {
        var lines = Lines(BsonDocument.Parse("""{ spec: { displayName: "Acme" } }"""), BsonDocument.Parse("""{ spec: { displayName: "Acmé GmbH" } }"""));

        Assert.Equal(["~ spec.displayName: Acme → \"Acmé GmbH\""], lines);
    }
}
