using System.Globalization;
using MongoDB.Bson;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Cli.Integrations;

/// <summary>One catalog integration to activate for a tenant, with the parameters given for it on the command line.</summary>
public sealed record Activation(string Name, int IntegrationId, BsonDocument Definition, IReadOnlyDictionary<string, string> Parameters);

/// <summary>
/// What `zpm tenant onboard` will write, worked out completely before anything is written, so a typo in an integration
/// or a parameter leaves the database untouched.
/// --param k=v goes to every given integration whose catalog entry declares parameter k (an error if none does);
/// --param &lt;integration&gt;.k=v goes to that one integration only (by its name or integration_id).
/// </summary>
public sealed class OnboardingPlan
{
    private OnboardingPlan(IReadOnlyList<Activation> activations) => Activations = activations;

    public IReadOnlyList<Activation> Activations { get; }

    public static OnboardingPlan Build(IReadOnlyList<BsonDocument> catalog, IReadOnlyList<string> integrationRefs, IReadOnlyList<GivenParameter> given, out List<string> problems)
    {
        problems = [];
        var selected = new List<(string Name, int Id, BsonDocument Definition)>();
        foreach (var reference in integrationRefs)
        {
            var definition = Resolve(catalog, reference);
            if (definition is null)
            {
                var known = string.Join(", ", catalog.Select(entry => $"{DocumentView.NameOf(entry)} ({DocumentView.IntegrationIdOf(entry)})"));
                problems.Add($"integration \"{reference}\" is not in the catalog (known: {(known.Length == 0 ? "none — apply samples/catalog.yaml first" : known)})");
                continue;
            }

            var name = DocumentView.NameOf(definition);
            if (selected.All(item => item.Name != name))
            {
                selected.Add((name, DocumentView.IntegrationIdOf(definition)!.Value, definition));
            }
        }

        var parameters = selected.ToDictionary(item => item.Name, _ => new Dictionary<string, string>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var parameter in given)
        {
            // Messages name the parameter and where it came from, never its value: it may be a secret.
            var key = parameter.Key;
            var dot = key.IndexOf('.', StringComparison.Ordinal);
            var targets = selected;
            if (dot > 0 && selected.Where(item => Matches(item, key[..dot])).ToList() is { Count: > 0 } scoped)
            {
                targets = scoped;
                key = key[(dot + 1)..];
            }
            else if (dot >= 0)
            {
                problems.Add($"{parameter.Source}: \"{key[..Math.Max(dot, 0)]}\" is not one of the --integration values given");
                continue;
            }

            var declaring = targets.Where(item => DeclaredParameters(item.Definition).Contains(key)).ToList();
            if (declaring.Count == 0)
            {
                problems.Add($"{parameter.Source}: no given integration ({string.Join(", ", targets.Select(item => item.Name))}) has a parameter \"{key}\"");
                continue;
            }

            foreach (var item in declaring)
            {
                parameters[item.Name][key] = parameter.Value;
            }
        }

        return new OnboardingPlan(selected.Select(item => new Activation(item.Name, item.Id, item.Definition, parameters[item.Name])).ToList());
    }

    /// <summary>Required parameters without a default that neither the command line nor the stored IntegrationSpec gives.</summary>
    public async Task<IReadOnlyList<string>> MissingRequiredAsync(IntegrationDocuments documents, string tenant, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        foreach (var activation in Activations)
        {
            var stored = await documents.GetIntegrationAsync(tenant, activation.Name, cancellationToken);
            var storedParameters = DocumentView.Spec(stored ?? [])?.GetValue("parameters", BsonNull.Value) as BsonDocument ?? [];
            foreach (var parameter in Parameters(activation.Definition))
            {
                var name = DocumentView.Text(parameter, "name");
                var required = parameter.GetValue("required", false) is { IsBoolean: true, AsBoolean: true };
                var hasDefault = parameter.TryGetValue("default", out var defaultValue) && !defaultValue.IsBsonNull;
                if (required && !hasDefault && !activation.Parameters.ContainsKey(name) && !storedParameters.Contains(name))
                {
                    problems.Add($"integration {activation.Name} needs parameter \"{name}\": add --param {name}=<value> (or --param {activation.Name}.{name}=<value>)");
                }
            }
        }

        return problems;
    }

    /// <summary>The catalog entry named <paramref name="reference"/> or with it as integration_id.</summary>
    public static BsonDocument? Resolve(IEnumerable<BsonDocument> catalog, string reference)
    {
        var entries = catalog.ToList();
        if (int.TryParse(reference, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            && entries.FirstOrDefault(entry => DocumentView.IntegrationIdOf(entry) == id) is { } byId)
        {
            return byId;
        }

        return entries.FirstOrDefault(entry => DocumentView.NameOf(entry) == reference && DocumentView.IntegrationIdOf(entry) is not null);
    }

    private static bool Matches((string Name, int Id, BsonDocument Definition) item, string reference) =>
        item.Name == reference || item.Id.ToString(CultureInfo.InvariantCulture) == reference;

    private static IEnumerable<BsonDocument> Parameters(BsonDocument definition) =>
        (DocumentView.Spec(definition)?.GetValue("parameters", BsonNull.Value) as BsonArray ?? []).OfType<BsonDocument>();

    private static HashSet<string> DeclaredParameters(BsonDocument definition) =>
        Parameters(definition).Select(parameter => DocumentView.Text(parameter, "name")).ToHashSet(StringComparer.Ordinal);
}
