using MongoDB.Bson;
using ZonaProcessManager.Domain.Model;

namespace ZonaProcessManager.Mongo.Mapping;

/// <summary>
/// ServiceSpec → document, the inverse of <see cref="ServiceDocumentMapper"/>: what the operator writes for the child
/// services it materialises must read back as the same spec (and as the same spec hash), so every field is written in
/// the reader's spelling and optional fields the reader defaults are left out rather than written as null.
/// </summary>
public static class ServiceSpecDocuments
{
    public static BsonDocument ToSpecDocument(ServiceSpecBody spec)
    {
        var document = new BsonDocument
        {
            ["image"] = spec.Image,
            ["replicas"] = spec.Replicas,
            ["restartPolicy"] = ServiceDocumentMapper.ToDocumentValue(spec.RestartPolicy),
            ["category"] = ServiceDocumentMapper.ToDocumentValue(spec.Category),
            ["update"] = RolloutDocument(spec.Update.Order, spec.Update.Parallelism, spec.Update.DelaySeconds, spec.Update.MonitorSeconds, spec.Update.FailureAction),
            ["rollback"] = RolloutDocument(spec.Rollback.Order, spec.Rollback.Parallelism, spec.Rollback.DelaySeconds, spec.Rollback.MonitorSeconds, spec.Rollback.FailureAction),
            ["suspended"] = spec.Suspended,
        };
        if (spec.Command.Count > 0)
        {
            document["command"] = new BsonArray(spec.Command);
        }

        if (spec.Env.Count > 0)
        {
            document["env"] = StringMap(spec.Env);
        }

        if (spec.Ports.Count > 0)
        {
            document["ports"] = new BsonArray(spec.Ports.Select(PortDocument));
        }

        if (spec.Volumes.Count > 0)
        {
            document["volumes"] = new BsonArray(spec.Volumes.Select(VolumeDocument));
        }

        if (spec.Networks.Count > 0)
        {
            document["networks"] = new BsonArray(spec.Networks);
        }

        if (spec.HealthCheck is not null)
        {
            document["healthCheck"] = HealthCheckDocument(spec.HealthCheck);
        }

        if (spec.Resources is not null && (spec.Resources.Cpus is not null || spec.Resources.MemoryMb is not null))
        {
            document["resources"] = ResourcesDocument(spec.Resources);
        }

        if (spec.DependsOn.Count > 0)
        {
            document["dependsOn"] = new BsonArray(spec.DependsOn);
        }

        if (spec.Placement is not null)
        {
            document["placement"] = PlacementDocument(spec.Placement);
        }

        return document;
    }

    private static BsonDocument RolloutDocument(UpdateOrder order, int parallelism, int delaySeconds, int monitorSeconds, UpdateFailureAction failureAction) => new()
    {
        ["order"] = ServiceDocumentMapper.ToDocumentValue(order),
        ["parallelism"] = parallelism,
        ["delaySeconds"] = delaySeconds,
        ["monitorSeconds"] = monitorSeconds,
        ["failureAction"] = ServiceDocumentMapper.ToDocumentValue(failureAction),
    };

    private static BsonDocument PlacementDocument(PlacementSpec placement)
    {
        var document = new BsonDocument
        {
            ["constraints"] = new BsonArray(placement.Constraints),
            ["preferences"] = new BsonArray(placement.Preferences.Select(preference => new BsonDocument("spread", preference.Spread))),
        };
        if (placement.MaxReplicasPerNode is { } cap)
        {
            document["maxReplicasPerNode"] = cap;
        }

        return document;
    }

    public static BsonDocument HealthCheckDocument(HealthCheckSpec health)
    {
        var document = new BsonDocument();
        if (health.Http is not null)
        {
            document["http"] = new BsonDocument { ["port"] = health.Http.Port, ["path"] = health.Http.Path };
        }

        if (health.Tcp is not null)
        {
            document["tcp"] = new BsonDocument { ["port"] = health.Tcp.Port };
        }

        if (health.Exec is not null)
        {
            document["exec"] = new BsonArray(health.Exec);
        }

        document["intervalSeconds"] = health.IntervalSeconds;
        document["timeoutSeconds"] = health.TimeoutSeconds;
        document["retries"] = health.Retries;
        document["startPeriodSeconds"] = health.StartPeriodSeconds;
        return document;
    }

    public static BsonDocument ResourcesDocument(ResourceLimits resources)
    {
        var document = new BsonDocument();
        if (resources.Cpus is { } cpus)
        {
            document["cpus"] = cpus;
        }

        if (resources.MemoryMb is { } memory)
        {
            document["memoryMb"] = memory;
        }

        return document;
    }

    public static BsonDocument StringMap(IReadOnlyDictionary<string, string> values) =>
        new(values.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => new BsonElement(pair.Key, pair.Value)));

    public static BsonArray OwnerReferences(IEnumerable<OwnerReference> owners) =>
        new(owners.Select(owner => new BsonDocument { ["kind"] = owner.Kind, ["name"] = owner.Name, ["uid"] = owner.Uid }));

    private static BsonDocument PortDocument(PortSpec port)
    {
        var document = new BsonDocument { ["container"] = port.Container };
        document["host"] = port.Host is { } host ? host : "auto";
        document["protocol"] = port.Protocol;
        document["hostIp"] = port.HostIp;
        return document;
    }

    private static BsonDocument VolumeDocument(VolumeSpec volume)
    {
        var document = new BsonDocument();
        if (volume.Name is not null)
        {
            document["name"] = volume.Name;
        }

        if (volume.HostPath is not null)
        {
            document["hostPath"] = volume.HostPath;
        }

        document["target"] = volume.Target;
        document["readOnly"] = volume.ReadOnly;
        if (volume.Driver is not null)
        {
            document["driver"] = volume.Driver;
        }

        if (volume.DriverOpts.Count > 0)
        {
            document["driverOpts"] = StringMap(volume.DriverOpts);
        }

        return document;
    }
}
