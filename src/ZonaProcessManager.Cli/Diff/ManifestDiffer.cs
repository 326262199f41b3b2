using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Cli.Commands;
using ZonaProcessManager.Cli.Integrations;
using ZonaProcessManager.Cli.Manifests;
using ZonaProcessManager.Domain.Hashing;
using ZonaProcessManager.Domain.Integrations;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Releases;
using ZonaProcessManager.Mongo;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Cli.Diff;

/// <summary>How a diff run ended: documents that would change, and documents that could not be compared.</summary>
public sealed record DiffSummary(int Changed, int Failed);

/// <summary>
/// `zpm diff` and `zpm apply --dry-run`: for each manifest, the field-level difference between what apply would write
/// (apiVersion, kind, metadata and spec, never status) and what is stored, secrets masked, then what the operator would
/// do about it (<see cref="PreviewRuntime"/>). Reads only: nothing is written to MongoDB or to the engine.
/// </summary>
/// <remarks>
/// Output, for each document that differs (one that is stored exactly so prints nothing, or "unchanged" in a dry run):
/// a header with apply's word (created, configured), one line per changed field (`+` added, `-` removed, `~` changed,
/// <see cref="FieldChange"/>), then "operator (docker|swarm):" and what it would do, indented.
/// </remarks>
public sealed class ManifestDiffer(CliContext context, IMongoDatabase database, PreviewRuntime runtime, string changeCause, bool dryRun)
{
    private readonly ServiceDocumentMapper _mapper = new();
    private readonly MongoServiceStore _services = new(database);
    private readonly IntegrationDocuments _integrations = new(database);
    private readonly string _suffix = dryRun ? " (dry run)" : "";

    public async Task<DiffSummary> RunAsync(string path, CancellationToken cancellationToken)
    {
        var manifests = ManifestReader.Read(path);
        if (manifests.Count == 0)
        {
            await context.Error.WriteLineAsync($"error: no manifests found in {path} (expected *.yaml, *.yml or *.json)");
            return new DiffSummary(0, 1);
        }

        // Catalog entries of this batch decide which parameters of its IntegrationSpecs are secret, as much as stored ones.
        var batchCatalog = manifests
            .Where(m => m.Document?.GetValue(DocumentFields.Kind, BsonNull.Value) is { IsString: true, AsString: IntegrationDefinition.KindName })
            .Select(m => m.Document!)
            .ToList();
        var changed = 0;
        var failed = 0;
        foreach (var manifest in manifests)
        {
            bool? differs;
            if (manifest.Document?.GetValue(DocumentFields.Kind, BsonNull.Value) is { IsString: true, AsString: Release.KindName })
            {
                // A release's effect depends on every selected service's status as it rolls; no single preview says it.
                differs = await FailAsync($"error: {manifest.Location}: diff does not cover kind {Release.KindName}; `zpm release status` follows a release once applied");
            }
            else if (manifest.Document?.GetValue(DocumentFields.Kind, BsonNull.Value) is { IsString: true } kindValue
                && IntegrationManifests.Kinds.Contains(kindValue.AsString))
            {
                var checkedManifest = IntegrationManifests.Check(manifest.Document!, out var problem);
                differs = checkedManifest is null
                    ? await FailAsync($"error: {manifest.Location}: {problem}")
                    : await DiffIntegrationKindAsync(checkedManifest, batchCatalog, cancellationToken);
            }
            else
            {
                var problem = ApplyCommand.Check(manifest, _mapper, out var spec);
                differs = problem is not null
                    ? await FailAsync($"error: {manifest.Location}: {problem}")
                    : await DiffServiceAsync(spec!, manifest.Document![DocumentFields.Spec].AsBsonDocument, cancellationToken);
            }

            changed += differs == true ? 1 : 0;
            failed += differs is null ? 1 : 0;
        }

        return new DiffSummary(changed, failed);
    }

    private async Task<bool?> FailAsync(string line)
    {
        await context.Error.WriteLineAsync(line);
        return null;
    }

    private async Task<bool?> DiffServiceAsync(ServiceSpec spec, BsonDocument specDocument, CancellationToken cancellationToken)
    {
        var display = $"servicespec/{spec.Metadata.Tenant}/{spec.Metadata.Name}";
        var stored = await _services.GetDocumentAsync(spec.Key, cancellationToken);
        // The annotations apply would write, with the change cause it stamps on a changed spec: the diff is of exactly that.
        var annotations = ApplyCommand.AnnotationsToWrite(spec.Metadata.Annotations, specDocument, stored, changeCause);
        var desired = ServiceProjection(spec.Metadata with { Annotations = annotations }, specDocument);
        var before = stored is null ? null : Project(stored, withLabels: true);
        var changes = DocumentDiff.Compare(before, desired, DiffSecrets.ForService(before, desired));
        if (!await HeaderAsync(display, stored is null, changes))
        {
            return false;
        }

        var storedSpec = stored is null ? null : _mapper.Read(stored).Spec;
        if (stored is not null && DocumentView.DeletionRequested(stored))
        {
            // Apply leaves metadata.deletionRequested as it is, so the operator goes on removing the service.
            var (name, teardown) = await PreviewServiceAsync(spec with { Metadata = spec.Metadata with { DeletionRequested = true } }, stored: null, cancellationToken);
            await WriteOperatorAsync((name, ["deletion requested: apply does not cancel it, the service is removed", .. teardown]), "  ");
            return true;
        }

        var lines = await PreviewServiceAsync(spec, storedSpec, cancellationToken);
        await WriteOperatorAsync(lines, "  ");
        return true;
    }

    private async Task<(string Runtime, IReadOnlyList<string> Lines)> PreviewServiceAsync(
        ServiceSpec spec, ServiceSpec? stored, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? ownerLabels = null)
    {
        var desired = new DesiredWorkload
        {
            Service = spec,
            SpecHash = SpecHasher.Hash(spec.Spec),
            UnreadyDependencies = await UnreadyDependenciesAsync(spec, cancellationToken),
            OwnerLabels = ownerLabels ?? new Dictionary<string, string>(),
        };
        return await runtime.PreviewAsync(desired, stored is null ? null : SpecHasher.Hash(stored.Spec), cancellationToken);
    }

    private async Task<IReadOnlyCollection<string>> UnreadyDependenciesAsync(ServiceSpec spec, CancellationToken cancellationToken)
    {
        var unready = new List<string>();
        foreach (var name in spec.Spec.DependsOn.Distinct(StringComparer.Ordinal))
        {
            var dependency = await _services.GetAsync(new ResourceKey(ServiceSpec.KindName, spec.Metadata.Tenant, name), cancellationToken);
            if (dependency?.Status?.Phase != ResourcePhase.Running)
            {
                unready.Add(name);
            }
        }

        return unready;
    }

    private async Task<bool?> DiffIntegrationKindAsync(CheckedManifest manifest, List<BsonDocument> batchCatalog, CancellationToken cancellationToken)
    {
        var stored = manifest.Kind switch
        {
            IntegrationDefinition.KindName => await _integrations.Store.Catalog.Find(MongoIntegrationStore.NameOrIdFilter(manifest.Name)).FirstOrDefaultAsync(cancellationToken),
            Tenant.KindName => await _integrations.GetTenantAsync(manifest.Name, cancellationToken),
            _ => await _integrations.GetIntegrationAsync(manifest.Tenant!, manifest.Name, cancellationToken),
        };
        var metadata = new BsonDocument("name", manifest.Name);
        if (manifest.Tenant is not null)
        {
            metadata["tenant"] = manifest.Tenant;
        }

        var desired = new BsonDocument
        {
            [DocumentFields.ApiVersion] = IntegrationDocuments.ApiVersion,
            [DocumentFields.Kind] = manifest.Kind,
            [DocumentFields.Metadata] = metadata,
            [DocumentFields.Spec] = manifest.Spec,
        };
        var before = stored is null ? null : Project(stored, withLabels: false, withTenant: manifest.Tenant is not null);
        var catalog = manifest.Kind == IntegrationSpec.KindName
            ? [.. await _integrations.ListCatalogAsync(cancellationToken), .. batchCatalog]
            : new List<BsonDocument>();
        var secrets = manifest.Kind switch
        {
            IntegrationDefinition.KindName => DiffSecrets.ForDefinition(before, desired),
            IntegrationSpec.KindName => DiffSecrets.ForIntegration(before, desired, catalog),
            _ => new HashSet<string>(StringComparer.Ordinal),
        };
        var changes = DocumentDiff.Compare(before, desired, secrets);
        if (!await HeaderAsync(manifest.Display, stored is null, changes))
        {
            return false;
        }

        var effects = manifest.Kind switch
        {
            Tenant.KindName => await TenantEffectsAsync(manifest, before, cancellationToken),
            IntegrationDefinition.KindName => await DefinitionEffectsAsync(manifest, cancellationToken),
            _ => await IntegrationEffectsAsync(manifest, stored, desired, cancellationToken),
        };
        await WriteOperatorAsync(("operator", effects), "  ");
        return true;
    }

    private async Task<IReadOnlyList<string>> TenantEffectsAsync(CheckedManifest manifest, BsonDocument? before, CancellationToken cancellationToken)
    {
        var suspended = manifest.Spec.GetValue("suspended", false) is { IsBoolean: true, AsBoolean: true };
        var wasSuspended = DocumentView.Spec(before ?? [])?.GetValue("suspended", false) is { IsBoolean: true, AsBoolean: true };
        if (before is null)
        {
            return [$"onboards tenant {manifest.Name}: ensures its network {Tenant.NetworkNameFor(manifest.Name)}"
                + (suspended ? "; suspended, so its integrations run no container" : "")];
        }

        if (suspended == wasSuspended)
        {
            return ["no container changes"];
        }

        var count = await _integrations.Store.CountIntegrationDocumentsAsync(manifest.Name, cancellationToken);
        return [suspended
            ? $"suspends the tenant: the services of its {count} integration(s) scale to 0 (containers removed, host ports kept)"
            : $"resumes the tenant: the services of its {count} integration(s) start their replicas again"];
    }

    private async Task<IReadOnlyList<string>> DefinitionEffectsAsync(CheckedManifest manifest, CancellationToken cancellationToken)
    {
        var id = manifest.Spec.GetValue("integration_id", BsonNull.Value);
        var users = (await _integrations.ListIntegrationsAsync(null, cancellationToken))
            .Where(i => DocumentView.IntegrationIdOf(i) is { } used && id.IsInt32 && used == id.AsInt32)
            .Select(i => $"{DocumentView.TenantOf(i)}/{DocumentView.NameOf(i)}")
            .ToList();
        return users.Count == 0
            ? [$"no IntegrationSpec uses integration_id {id} yet"]
            : [$"{users.Count} IntegrationSpec(s) use integration_id {id} ({string.Join(", ", users)}): their services are rendered again, "
                + "and a change to image, command, ports, parameters, health check or resources replaces their containers"];
    }

    /// <summary>
    /// The child ServiceSpec the operator would write for the integration (the domain's materializer, with the catalog,
    /// tenant, sibling integrations and port allocations as stored), its difference from the stored child, and the
    /// operator's plan for it. A port with no allocation yet is shown as one to allocate from the operator's range.
    /// </summary>
    private async Task<IReadOnlyList<string>> IntegrationEffectsAsync(
        CheckedManifest manifest, BsonDocument? stored, BsonDocument desired, CancellationToken cancellationToken)
    {
        var integration = IntegrationDocumentMapper.ReadIntegration(desired).Integration;
        if (integration is null)
        {
            return ["the operator would report it Degraded (the document does not read as an IntegrationSpec)"];
        }

        var tenantCode = manifest.Tenant!;
        var store = _integrations.Store;
        var tenant = await store.GetTenantAsync(tenantCode, cancellationToken);
        var catalog = (await store.ListCatalogAsync(cancellationToken)).Where(d => d.Definition is not null).Select(d => d.Definition!).ToList();
        var siblings = (await store.ListIntegrationsAsync(tenantCode, cancellationToken))
            .Where(i => i.Integration is not null && i.Integration.Metadata.Name != manifest.Name)
            .Select(i => i.Integration!)
            .Append(integration)
            .ToList();
        var allocations = (await store.ListPortAllocationsAsync(tenantCode, cancellationToken)).Where(a => a.Integration == manifest.Name).ToList();
        var definition = catalog.Where(d => d.Spec.IntegrationId == integration.Spec.IntegrationId).ToList() is [var only] ? only : null;
        var hostPorts = new Dictionary<string, int>(StringComparer.Ordinal);
        var lines = new List<string>();
        var toAllocate = new HashSet<string>(StringComparer.Ordinal);
        foreach (var port in definition?.Spec.Ports ?? [])
        {
            if (allocations.FirstOrDefault(a => a.PortName == port.Name) is { } allocation)
            {
                hostPorts[port.Name] = allocation.Port;
                lines.Add($"port {port.Name}: keeps host port {allocation.Port}");
            }
            else
            {
                hostPorts[port.Name] = 0;
                toAllocate.Add(port.Name);
                lines.Add($"port {port.Name}: allocates a host port from the operator's --port-range (container port {port.Container})");
            }
        }

        var uid = stored is null ? "" : DocumentIds.ToUid(stored.GetValue(DocumentFields.Id, BsonNull.Value));
        var result = IntegrationMaterializer.Materialize(integration, uid, tenant?.Tenant, catalog, siblings, hostPorts);
        var childKey = new ResourceKey(ServiceSpec.KindName, tenantCode, manifest.Name);
        var childDisplay = $"servicespec/{tenantCode}/{manifest.Name}";
        var storedChild = await _services.GetDocumentAsync(childKey, cancellationToken);
        switch (result.Kind)
        {
            case MaterializeKind.Invalid:
                return [$"the operator would report it Degraded and run nothing for it: {result.Message}"];
            case MaterializeKind.NotWanted:
                return [storedChild is null
                    ? "disabled: no child service is created"
                    : $"disabled: child {childDisplay} is deleted and its containers removed (host ports kept)"];
        }

        // A port still to allocate gets its number only from the operator; for the preview it publishes like auto.
        var child = result.Service!;
        child = child with
        {
            Spec = child.Spec with
            {
                Ports = [.. child.Spec.Ports.Select(p => p.Host == 0 ? p with { Host = null } : p)],
            },
        };
        var childDesired = ServiceProjection(child.Metadata, ServiceSpecDocuments.ToSpecDocument(child.Spec));
        var childBefore = storedChild is null ? null : Project(storedChild, withLabels: true);
        var childChanges = DocumentDiff.Compare(childBefore, childDesired, DiffSecrets.ForService(childBefore, childDesired));
        if (storedChild is not null && childChanges.Count == 0)
        {
            lines.Add($"child {childDisplay} unchanged");
            return lines;
        }

        if (storedChild is null)
        {
            // Every field of a new child comes from the catalog and the integration shown above; a summary says enough.
            lines.Add($"child {childDisplay} created (image {child.Spec.Image}, {child.Spec.Replicas} replica(s){(child.Spec.Suspended ? ", suspended with its tenant" : "")})");
        }
        else
        {
            lines.Add($"child {childDisplay} configured");
            lines.AddRange(childChanges.Select(c => "  " + c));
        }

        var (runtimeName, plan) = await PreviewServiceAsync(child, storedChild is null ? null : _mapper.Read(storedChild).Spec, cancellationToken, result.ExtraLabels);
        lines.Add($"  operator ({runtimeName}):");
        lines.AddRange(plan.Select(l => "    " + l));
        return lines;
    }

    private async Task<bool> HeaderAsync(string display, bool created, IReadOnlyList<FieldChange> changes)
    {
        if (!created && changes.Count == 0)
        {
            if (dryRun)
            {
                await context.Output.WriteLineAsync($"{display} unchanged{_suffix}");
            }

            return false;
        }

        await context.Output.WriteLineAsync($"{display} {(created ? "created" : "configured")}{_suffix}");
        foreach (var change in changes)
        {
            await context.Output.WriteLineAsync("  " + change);
        }

        return true;
    }

    private async Task WriteOperatorAsync((string Runtime, IReadOnlyList<string> Lines) preview, string indent)
    {
        await context.Output.WriteLineAsync($"{indent}{(preview.Runtime == "operator" ? "operator" : $"operator ({preview.Runtime})")}:");
        foreach (var line in preview.Lines)
        {
            await context.Output.WriteLineAsync($"{indent}  {line}");
        }
    }

    /// <summary>What apply writes of a ServiceSpec: the header, metadata name, tenant, labels and annotations, and spec.</summary>
    private static BsonDocument ServiceProjection(ResourceMetadata metadata, BsonDocument spec) => new()
    {
        [DocumentFields.ApiVersion] = ServiceSpec.ApiVersion,
        [DocumentFields.Kind] = ServiceSpec.KindName,
        [DocumentFields.Metadata] = new BsonDocument
        {
            ["name"] = metadata.Name,
            ["tenant"] = metadata.Tenant,
            ["labels"] = ServiceSpecDocuments.StringMap(metadata.Labels),
            ["annotations"] = ServiceSpecDocuments.StringMap(metadata.Annotations),
        },
        [DocumentFields.Spec] = spec,
    };

    /// <summary>The same fields of a stored document, those it has: what apply would overwrite.</summary>
    private static BsonDocument Project(BsonDocument stored, bool withLabels, bool withTenant = true)
    {
        var projection = new BsonDocument();
        foreach (var field in new[] { DocumentFields.ApiVersion, DocumentFields.Kind })
        {
            if (stored.TryGetValue(field, out var value))
            {
                projection[field] = value;
            }
        }

        if (stored.GetValue(DocumentFields.Metadata, BsonNull.Value) is BsonDocument metadata)
        {
            var fields = new List<string> { "name" };
            if (withTenant)
            {
                fields.Add("tenant");
            }

            if (withLabels)
            {
                fields.AddRange(["labels", "annotations"]);
            }

            projection[DocumentFields.Metadata] = new BsonDocument(metadata.Elements.Where(e => fields.Contains(e.Name)));
        }

        if (stored.TryGetValue(DocumentFields.Spec, out var spec))
        {
            projection[DocumentFields.Spec] = spec;
        }

        return projection;
    }
}
