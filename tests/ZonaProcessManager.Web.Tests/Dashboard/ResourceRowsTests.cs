using MongoDB.Bson;
using ZonaProcessManager.Web.Dashboard;

namespace ZonaProcessManager.Web.Tests.Dashboard;

/// <summary>The Age column's source: when the document was inserted, by zpm or by hand.</summary>
public sealed class ResourceRowsTests
{
    private static BsonDocument Service(BsonValue id, BsonDocument? extraMetadata = null)
    {
        var metadata = new BsonDocument { ["name"] = "web", ["tenant"] = "acme" };
        if (extraMetadata is not null)
        {
            metadata.AddRange(extraMetadata);
        }

        return new BsonDocument
        {
            ["_id"] = id,
            ["apiVersion"] = "zpm/v1",
            ["kind"] = "ServiceSpec",
            ["metadata"] = metadata,
            ["spec"] = new BsonDocument { ["image"] = "zpm/busybox:latest", ["replicas"] = 1 },
        };
    }

    [Fact]
    public void A_document_zpm_inserted_is_as_old_as_its_creation_timestamp_and_one_inserted_by_hand_as_its_ObjectId()
    {
        var stamped = new DateTime(2026, 12, 7, 10, 30, 0, DateTimeKind.Utc);
        var objectId = ObjectId.GenerateNewId(new DateTime(2026, 12, 1, 8, 0, 0, DateTimeKind.Utc));

        var applied = ResourceRows.From(DashboardKind.Services, Service("acme/web", new BsonDocument("creationTimestamp", stamped)));
        var byHand = ResourceRows.From(DashboardKind.Services, Service(objectId));
        var unknown = ResourceRows.From(DashboardKind.Services, Service("acme/web"));
        var unreadable = ResourceRows.From(DashboardKind.Services, Service(objectId, new BsonDocument("creationTimestamp", "yesterday")));

        Assert.Equal(new DateTimeOffset(stamped), applied.Created);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero), byHand.Created);
        Assert.Null(unknown.Created);
        Assert.Equal(byHand.Created, unreadable.Created);
    }
}
