using MongoDB.Bson;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Mongo.Mapping;

namespace ZonaProcessManager.Mongo.Tests.Mapping;

public sealed class StatusDocumentMapperTests
{
    private static readonly DateTimeOffset Time = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(ResourcePhase.Pending, "Pending")]
    [InlineData(ResourcePhase.Creating, "Creating")]
    [InlineData(ResourcePhase.Running, "Running")]
    [InlineData(ResourcePhase.Degraded, "Degraded")]
    [InlineData(ResourcePhase.Removed, "Removed")]
    public void Phases_are_written_with_the_contract_spelling(ResourcePhase phase, string expected)
    {
        var document = StatusDocumentMapper.ToDocument(new ServiceStatus { Phase = phase, UpdatedAt = Time });

        Assert.Equal(expected, document["phase"].AsString);
    }

    [Fact]
    public void A_status_round_trips_with_conditions_and_times()
    {
        var status = new ServiceStatus
        {
            Phase = ResourcePhase.Degraded,
            ObservedSpecHash = "0123456789abcdef",
            Replicas = new ReplicaCounts(3, 1),
            Containers = [new ContainerStatus("c1", "zpm-system-web-0", "running", "healthy")],
            Conditions =
            [
                new Condition("Ready", false, "ReplicaUnhealthy", "1/3 ready", Time),
                new Condition("Progressing", true, "RollingUpdate", "replacing", Time.AddSeconds(-5)),
            ],
            Message = "1/3 ready",
            LastError = "port is already allocated",
            UpdatedAt = Time,
        };

        var document = StatusDocumentMapper.ToDocument(status);
        var read = StatusDocumentMapper.TryRead(document)!;

        Assert.Equal("False", document["conditions"][0]["status"].AsString);
        Assert.Equal(Time.UtcDateTime, document["conditions"][0]["lastTransitionTime"].ToUniversalTime());
        Assert.Equal(Time.UtcDateTime, document["updatedAt"].ToUniversalTime());
        Assert.Equal(status.Phase, read.Phase);
        Assert.Equal(status.ObservedSpecHash, read.ObservedSpecHash);
        Assert.Equal(status.Replicas, read.Replicas);
        Assert.Equal(status.Containers, read.Containers);
        Assert.Equal(status.Conditions, read.Conditions);
        Assert.Equal(status.Message, read.Message);
        Assert.Equal(status.LastError, read.LastError);
        Assert.Equal(status.UpdatedAt, read.UpdatedAt);
    }

    [Fact]
    public void Tasks_keep_their_node_slot_and_error_and_containers_get_no_such_fields()
    {
        var status = new ServiceStatus
        {
            Phase = ResourcePhase.Degraded,
            Containers =
            [
                new ContainerStatus("t1", "zpm-acme-web.1", "running", "healthy", "node-a", 1),
                new ContainerStatus("t2", "zpm-acme-web.2", "pending", "", "node-b", 2, "no suitable node (host-mode port already in use on 1 node)"),
                new ContainerStatus("c1", "zpm-acme-api-0", "running", "none"),
            ],
            UpdatedAt = Time,
        };

        var document = StatusDocumentMapper.ToDocument(status);
        var read = StatusDocumentMapper.TryRead(document)!;

        Assert.Equal(status.Containers, read.Containers);
        Assert.Equal("node-b", document["containers"][1]["node"].AsString);
        Assert.Equal(2, document["containers"][1]["slot"].AsInt32);
        Assert.Equal(["id", "name", "state", "health"], document["containers"][2].AsBsonDocument.Names);
        Assert.False(document["containers"][0].AsBsonDocument.Contains("error"));
    }
}
