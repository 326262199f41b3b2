using MongoDB.Bson;
using ZonaProcessManager.Domain.Integrations;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Cli.Diff;

/// <summary>
/// Which paths of a compared pair of documents hold secrets, by the same rules as `zpm describe` and `get` mask them
/// (<see cref="DocumentView"/>): env values a ServiceSpec's `zpm.secret-env` annotation names, IntegrationSpec
/// parameters their catalog entry marks secret (all of them when no catalog entry is known), and defaults of secret
/// catalog parameters. What either side calls secret is secret on both, so dropping the annotation or the flag in a
/// manifest never reveals the stored value.
/// </summary>
public static class DiffSecrets
{
    public static IReadOnlySet<string> ForService(BsonDocument? stored, BsonDocument desired)
    {
        ArgumentNullException.ThrowIfNull(desired);
        return new[] { stored, desired }
            .SelectMany(SecretEnvNames)
            .Select(name => $"spec.env.{name}")
            .ToHashSet(StringComparer.Ordinal);
    }

    public static IReadOnlySet<string> ForDefinition(BsonDocument? stored, BsonDocument desired)
    {
        ArgumentNullException.ThrowIfNull(desired);
        var paths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var document in new[] { stored, desired })
        {
            var parameters = DocumentView.Spec(document ?? [])?.GetValue("parameters", BsonNull.Value) as BsonArray ?? [];
            for (var i = 0; i < parameters.Count; i++)
            {
                if (parameters[i] is BsonDocument parameter && parameter.GetValue("secret", false) is { IsBoolean: true, AsBoolean: true })
                {
                    paths.Add($"spec.parameters[{i}].default");
                }
            }
        }

        return paths;
    }

    /// <param name="catalog">Catalog entries, stored and in the same manifests, as documents.</param>
    public static IReadOnlySet<string> ForIntegration(BsonDocument? stored, BsonDocument desired, IReadOnlyCollection<BsonDocument> catalog)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(catalog);
        var documents = new[] { stored, desired }.OfType<BsonDocument>().ToList();
        var definitions = documents
            .Select(DocumentView.IntegrationIdOf)
            .OfType<int>()
            .Distinct()
            .SelectMany(id => catalog.Where(entry => DocumentView.IntegrationIdOf(entry) == id))
            .ToList();
        var parameterNames = documents
            .SelectMany(document => DocumentView.Spec(document)?.GetValue("parameters", BsonNull.Value) as BsonDocument ?? [])
            .Select(element => element.Name);
        var secret = definitions.SelectMany(DocumentView.SecretParameterNames).ToHashSet(StringComparer.Ordinal);
        return parameterNames
            .Where(name => definitions.Count == 0 || secret.Contains(name))
            .Select(name => $"spec.parameters.{name}")
            .ToHashSet(StringComparer.Ordinal);
    }

    private static IEnumerable<string> SecretEnvNames(BsonDocument? document)
    {
        var annotations = DocumentView.Metadata(document ?? []).GetValue("annotations", BsonNull.Value) as BsonDocument;
        return DocumentView.Text(annotations, SecretRedactor.SecretEnvAnnotation)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
