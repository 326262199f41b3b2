using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Ports;
using ZonaProcessManager.Domain.Validation;

namespace ZonaProcessManager.Domain.Integrations;

/// <summary>IntegrationSpec + its catalog entry + its tenant + its host ports → the child ServiceSpec the operator runs.</summary>
public static class IntegrationMaterializer
{
    public static MaterializeResult Materialize(
        IntegrationSpec integration,
        string integrationUid,
        Tenant? tenant,
        IReadOnlyCollection<IntegrationDefinition> catalog,
        IReadOnlyCollection<IntegrationSpec> tenantIntegrations,
        IReadOnlyDictionary<string, int> hostPorts)
    {
        ArgumentNullException.ThrowIfNull(integration);
        var tenantCode = integration.Metadata.Tenant;
        var labels = new Dictionary<string, string> { [ZpmLabels.Owner] = integration.Key.ToString() };
        if (!integration.Spec.Enabled)
        {
            return new MaterializeResult(MaterializeKind.NotWanted, null, labels, [], new HashSet<string>(), []);
        }

        var problems = new List<string>();
        if (!DnsLabel.IsValid(integration.Metadata.Name))
        {
            problems.Add($"metadata.name {DnsLabel.NotValid(integration.Metadata.Name)}");
        }

        if (tenant is null)
        {
            problems.Add($"tenant '{tenantCode}' does not exist");
        }

        var duplicateOf = tenantIntegrations
            .Where(other => other.Metadata.Tenant == tenantCode && other.Spec.IntegrationId == integration.Spec.IntegrationId)
            .Select(other => other.Metadata.Name)
            .Where(name => string.CompareOrdinal(name, integration.Metadata.Name) < 0)
            .Order(StringComparer.Ordinal)
            .FirstOrDefault();
        if (duplicateOf is not null)
        {
            // The alphabetically first one wins, so the outcome does not depend on which document was seen first.
            problems.Add($"integration_id {integration.Spec.IntegrationId} is already active for tenant '{tenantCode}' as '{duplicateOf}'");
        }

        if (integration.Spec.Replicas is < 0 or > ServiceSpecValidator.MaxReplicas)
        {
            problems.Add($"spec.replicas must be between 0 and {ServiceSpecValidator.MaxReplicas} (got {integration.Spec.Replicas})");
        }

        var definitions = catalog.Where(d => d.Spec.IntegrationId == integration.Spec.IntegrationId).ToList();
        if (definitions.Count != 1)
        {
            problems.Add(definitions.Count == 0
                ? $"unknown integration_id {integration.Spec.IntegrationId}: not in the catalog"
                : $"integration_id {integration.Spec.IntegrationId} is defined {definitions.Count} times in the catalog ({string.Join(", ", definitions.Select(d => d.Metadata.Name))})");
            return Invalid(problems, labels);
        }

        var definition = definitions[0].Spec;
        var parameters = ParameterResolver.Resolve(definition, integration.Spec.Parameters);
        problems.AddRange(parameters.Problems);

        var ports = new List<AllocatedPort>();
        foreach (var port in definition.Ports)
        {
            if (hostPorts.TryGetValue(port.Name, out var host))
            {
                ports.Add(new AllocatedPort(port.Name, port.Container, host));
            }
            else
            {
                problems.Add($"port '{port.Name}' has no host port allocated");
            }
        }

        if (problems.Count > 0)
        {
            return Invalid(problems, labels);
        }

        var service = new ServiceSpec
        {
            Metadata = new ResourceMetadata
            {
                Name = integration.Metadata.Name,
                Tenant = tenantCode,
                Labels = new Dictionary<string, string> { ["zpm.integration-id"] = definition.IntegrationId.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                Annotations = ChildAnnotations(tenantCode, integration.Metadata.Name, parameters.SecretEnvNames),
                OwnerReferences = [new OwnerReference(IntegrationSpec.KindName, integration.Metadata.Name, integrationUid)],
            },
            Spec = new ServiceSpecBody
            {
                Image = definition.Image,
                Command = definition.Command,
                Env = parameters.Env,
                Replicas = integration.Spec.Replicas,
                Ports = [.. ports.Select(p => new PortSpec(p.Container, p.Host))],
                Networks = [Tenant.NetworkNameFor(tenantCode)],
                HealthCheck = definition.HealthCheck,
                Resources = definition.Resources,
                Category = ServiceCategory.App,
                Suspended = tenant!.Spec.Suspended,
            },
        };
        return new MaterializeResult(MaterializeKind.Service, service, labels, ports, parameters.SecretEnvNames, []);
    }

    private static MaterializeResult Invalid(List<string> problems, Dictionary<string, string> labels) =>
        new(MaterializeKind.Invalid, null, labels, [], new HashSet<string>(), problems);

    /// <summary>
    /// The child's annotations: its change cause, the same on every write so a rewrite of an unchanged child changes
    /// nothing, and the secret env names when there are any.
    /// </summary>
    private static Dictionary<string, string> ChildAnnotations(string tenantCode, string integrationName, IReadOnlyCollection<string> secretEnvNames)
    {
        var annotations = new Dictionary<string, string> { [ChangeCause.Annotation] = ChangeCause.ForIntegration(tenantCode, integrationName) };
        if (secretEnvNames.Count > 0)
        {
            annotations[SecretRedactor.SecretEnvAnnotation] = SecretRedactor.FormatSecretEnvAnnotation(secretEnvNames);
        }

        return annotations;
    }
}
