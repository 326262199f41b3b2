using MongoDB.Bson;

namespace ZonaProcessManager.Mongo.Tests.Integration;

/// <summary>Documents as users write them (zpm apply, or mongosh with numbers as doubles and ObjectId ids).</summary>
internal static class ServiceDocuments
{
    public static BsonDocument Valid(string name, string tenant = "system", object? id = null, int replicas = 1)
    {
        var document = new BsonDocument
        {
            ["_id"] = id is null ? $"{tenant}/{name}" : BsonValue.Create(id),
            ["apiVersion"] = "zpm/v1",
            ["kind"] = "ServiceSpec",
            ["metadata"] = new BsonDocument { ["name"] = name, ["tenant"] = tenant },
            ["spec"] = new BsonDocument
            {
                ["image"] = "zpm/busybox:latest",
                ["replicas"] = (double)replicas,
                ["ports"] = new BsonArray { new BsonDocument { ["container"] = 8080.0, ["host"] = "auto" } },
                ["healthCheck"] = new BsonDocument { ["http"] = new BsonDocument { ["port"] = 8080.0, ["path"] = "/healthz" } },
            },
        };
        return document;
    }
}
