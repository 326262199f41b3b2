using MongoDB.Bson;

namespace ZonaProcessManager.Mongo.Tests.Documents;

/// <summary>Multi-tenant documents (catalog, tenants, integrations) as users write them: zpm's string `_id`s, or mongosh with ObjectIds and numbers as doubles.</summary>
internal static class IntegrationDocuments
{
    public static BsonDocument Definition(string name = "sentinel", int integrationId = 7, object? id = null) => new()
    {
        ["_id"] = id is null ? name : BsonValue.Create(id),
        ["apiVersion"] = "zpm/v1",
        ["kind"] = "IntegrationDefinition",
        ["metadata"] = new BsonDocument { ["name"] = name },
        ["spec"] = new BsonDocument
        {
            ["integration_id"] = (double)integrationId,
            ["title"] = "Sentinel connector",
            ["executable"] = "sentinel-connector",
            ["image"] = "zpm/busybox:latest",
            ["command"] = new BsonArray { "httpd", "-f", "-p", "8080" },
            ["ports"] = new BsonArray
            {
                new BsonDocument { ["name"] = "http", ["container"] = 8080.0 },
                new BsonDocument { ["name"] = "metrics", ["container"] = 9090.0 },
            },
            ["parameters"] = new BsonArray
            {
                new BsonDocument { ["name"] = "apiUrl", ["env"] = "API_URL", ["required"] = true },
                new BsonDocument { ["name"] = "apiKey", ["env"] = "API_KEY", ["required"] = true, ["secret"] = true },
                new BsonDocument { ["name"] = "pollSeconds", ["env"] = "POLL_SECONDS", ["default"] = 30.0 },
            },
            ["healthCheck"] = new BsonDocument { ["http"] = new BsonDocument { ["port"] = 8080.0, ["path"] = "/" } },
            ["resources"] = new BsonDocument { ["cpus"] = 0.5, ["memoryMb"] = 64.0 },
        },
    };

    public static BsonDocument Tenant(string code = "acme", object? id = null, bool suspended = false) => new()
    {
        ["_id"] = id is null ? code : BsonValue.Create(id),
        ["apiVersion"] = "zpm/v1",
        ["kind"] = "Tenant",
        ["metadata"] = new BsonDocument { ["name"] = code },
        ["spec"] = new BsonDocument { ["displayName"] = "Acme Corp", ["suspended"] = suspended },
    };

    public static BsonDocument Integration(string name = "sentinel", string tenant = "acme", int integrationId = 7, object? id = null) => new()
    {
        ["_id"] = id is null ? $"{tenant}/{name}" : BsonValue.Create(id),
        ["apiVersion"] = "zpm/v1",
        ["kind"] = "IntegrationSpec",
        ["metadata"] = new BsonDocument { ["name"] = name, ["tenant"] = tenant },
        ["spec"] = new BsonDocument
        {
            ["integration_id"] = (double)integrationId,
            ["parameters"] = new BsonDocument { ["apiUrl"] = "https://api.example.test", ["apiKey"] = "s3cret" },
        },
    };

    public static BsonDocument Allocation(string tenant, string integration, string portName, int port) => new()
    {
        ["_id"] = $"{tenant}/{integration}/{portName}",
        ["tenant"] = tenant,
        ["integration"] = integration,
        ["portName"] = portName,
        ["port"] = port,
        ["allocatedAt"] = new BsonDateTime(new DateTime(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc)),
    };
}
