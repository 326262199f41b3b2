using MongoDB.Bson;
using ZonaProcessManager.Cli.Manifests;

namespace ZonaProcessManager.Cli.Tests;

public sealed class ManifestReaderTests
{
    [Fact]
    public void Plain_yaml_scalars_are_typed_and_quoted_ones_stay_strings()
    {
        using var files = new ManifestFiles();
        var path = files.Write("a.yaml", """
            kind: ServiceSpec
            spec:
              replicas: 3
              cpus: 0.5
              suspended: false
              port: "8080"
              nothing: ~
              big: 9999999999
            """);

        var document = Assert.Single(ManifestReader.Read(path)).Document!;

        Assert.Equal(new BsonInt32(3), document["spec"]["replicas"]);
        Assert.Equal(new BsonDouble(0.5), document["spec"]["cpus"]);
        Assert.Equal(BsonBoolean.False, document["spec"]["suspended"]);
        Assert.Equal(new BsonString("8080"), document["spec"]["port"]);
        Assert.Equal(BsonNull.Value, document["spec"]["nothing"]);
        Assert.Equal(new BsonInt64(9999999999), document["spec"]["big"]);
    }

    [Fact]
    public void A_directory_gives_every_document_of_every_manifest_file_in_name_order()
    {
        using var files = new ManifestFiles();
        files.Write("b.yaml", "kind: A\n---\nkind: B\n");
        files.Write("a.json", """[{ "kind": "C" }, { "kind": "D" }]""");
        files.Write("notes.txt", "ignored");

        var documents = ManifestReader.Read(files.Directory);

        Assert.Equal(["C", "D", "A", "B"], documents.Select(document => document.Document!["kind"].AsString));
        Assert.Equal([0, 1, 0, 1], documents.Select(document => document.Index));
    }

    [Fact]
    public void A_broken_file_is_one_bad_entry_with_its_line_and_other_files_are_still_read()
    {
        using var files = new ManifestFiles();
        files.Write("a.yaml", "kind: [unclosed\n");
        files.Write("b.yaml", "kind: Fine\n");

        var documents = ManifestReader.Read(files.Directory);

        Assert.Null(documents[0].Document);
        Assert.Contains("not valid YAML/JSON at line", documents[0].Error);
        Assert.Equal("Fine", documents[1].Document!["kind"].AsString);
    }

    [Fact]
    public void A_document_that_is_not_a_mapping_or_has_duplicate_keys_is_reported()
    {
        using var files = new ManifestFiles();
        files.Write("a.yaml", "- just\n- strings\n");
        files.Write("b.yaml", "kind: A\nkind: B\n");

        var documents = ManifestReader.Read(files.Directory);

        Assert.All(documents, document => Assert.Null(document.Document));
        Assert.Contains("must be a mapping", documents[0].Error);
        Assert.Contains("uplicate key", documents[2].Error);
    }

    [Fact]
    public void A_missing_path_is_an_error_naming_it()
    {
        var exception = Assert.Throws<FileNotFoundException>(() => ManifestReader.Read("/nonexistent/zpm/manifests"));

        Assert.Contains("/nonexistent/zpm/manifests", exception.Message);
    }
}
