using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Validation;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Web.Dashboard;

/// <summary>
/// What the dashboard's buttons write: the same document changes `zpm` makes (spec.replicas, spec.suspended,
/// metadata.deletionRequested, or removing an IntegrationSpec, which is how integrations are deleted); the operator
/// does the rest. Returns the problem as text, or null when the write was made.
/// </summary>
public sealed class DashboardActions(DashboardReadModel readModel)
{
    public const string Scale = "scale";
    public const string Suspend = "suspend";
    public const string Resume = "resume";
    public const string Delete = "delete";

    public static IReadOnlyList<string> Names { get; } = [Scale, Suspend, Resume, Delete];

    public async Task<DashboardActionOutcome> RunAsync(string action, DashboardActionRequest request, CancellationToken cancellationToken)
    {
        if (DashboardKind.FromPath(request.Kind ?? "") is not { } kind || string.IsNullOrWhiteSpace(request.Name))
        {
            return DashboardActionOutcome.Invalid("kind (services, integrations, tenants) and name are required");
        }

        var tenant = kind.Tenanted ? (string.IsNullOrWhiteSpace(request.Tenant) ? ResourceKey.DefaultTenant : request.Tenant) : "";
        var filter = DashboardReadModel.KeyFilter(kind, tenant, request.Name);
        var update = Builders<BsonDocument>.Update;
        var collection = readModel.Collection(kind);
        switch (action)
        {
            case Scale when kind == DashboardKind.Services || kind == DashboardKind.Integrations:
                if (request.Replicas is not { } replicas || replicas < 0 || replicas > ServiceSpecValidator.MaxReplicas)
                {
                    return DashboardActionOutcome.Invalid($"replicas must be between 0 and {ServiceSpecValidator.MaxReplicas}");
                }

                return Matched(await collection.UpdateOneAsync(filter, update.Set("spec.replicas", replicas), cancellationToken: cancellationToken).ConfigureAwait(false));
            case Suspend or Resume when kind == DashboardKind.Tenants:
                return Matched(await collection.UpdateOneAsync(filter, update.Set("spec.suspended", action == Suspend), cancellationToken: cancellationToken).ConfigureAwait(false));
            case Delete when kind == DashboardKind.Integrations:
                return (await collection.DeleteOneAsync(filter, cancellationToken).ConfigureAwait(false)).DeletedCount > 0
                    ? DashboardActionOutcome.Done
                    : DashboardActionOutcome.Missing;
            case Delete when kind == DashboardKind.Services || kind == DashboardKind.Tenants:
                return Matched(await collection.UpdateOneAsync(filter, update.Set(DocumentFields.MetadataDeletionRequested, true), cancellationToken: cancellationToken).ConfigureAwait(false));
            default:
                return DashboardActionOutcome.Invalid($"{action} is not offered for {kind.Path}");
        }
    }

    private static DashboardActionOutcome Matched(UpdateResult result) => result.MatchedCount > 0 ? DashboardActionOutcome.Done : DashboardActionOutcome.Missing;
}
