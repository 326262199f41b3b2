using MongoDB.Bson;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ZonaProcessManager.Cli.Manifests;

/// <summary>One document found in a manifest file; Document is null and Error says why when it could not be parsed.</summary>
public sealed record ManifestDocument(string Source, int Index, BsonDocument? Document, string? Error)
{
    /// <summary>"file#index" as shown to the user; index counts documents in the file from 0.</summary>
    public string Location => $"{Source}#{Index}";
}

/// <summary>
/// Reads manifests: a file or every *.yaml/*.yml/*.json directly in a directory (sorted, so the order is stable), each
/// file holding one or many YAML documents (`---`) or a top-level list of documents. A file that cannot be parsed is
/// reported as one bad entry; the other files are still read.
/// </summary>
public static class ManifestReader
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    public static IReadOnlyList<ManifestDocument> Read(string path)
    {
        if (Directory.Exists(path))
        {
            var files = Directory.EnumerateFiles(path)
                .Where(file => Extensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal)
                .ToList();
            return files.SelectMany(ReadFile).ToList();
        }

        if (File.Exists(path))
        {
            return ReadFile(path);
        }

        throw new FileNotFoundException($"no such file or directory: {path}", path);
    }

    public static IReadOnlyList<ManifestDocument> ReadFile(string file)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(file);
            stream.Load(reader);
        }
        catch (YamlException exception)
        {
            return [new ManifestDocument(file, 0, null, $"not valid YAML/JSON at line {exception.Start.Line}, column {exception.Start.Column}: {Innermost(exception).Message}")];
        }

        var result = new List<ManifestDocument>();
        foreach (var yamlDocument in stream.Documents)
        {
            var roots = yamlDocument.RootNode is YamlSequenceNode list ? list.Children.ToList() : [yamlDocument.RootNode];
            foreach (var root in roots)
            {
                var index = result.Count;
                if (root is not YamlMappingNode mapping)
                {
                    result.Add(new ManifestDocument(file, index, null, "a manifest document must be a mapping (an object)"));
                    continue;
                }

                try
                {
                    result.Add(new ManifestDocument(file, index, YamlBson.ToDocument(mapping), null));
                }
                catch (YamlException exception)
                {
                    result.Add(new ManifestDocument(file, index, null, $"line {exception.Start.Line}: {exception.Message}"));
                }
            }
        }

        return result;
    }

    private static Exception Innermost(Exception exception) =>
        exception.InnerException is null ? exception : Innermost(exception.InnerException);
}
