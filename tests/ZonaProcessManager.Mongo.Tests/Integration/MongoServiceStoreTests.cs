using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Mongo.Mapping;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Mongo.Tests.Integration;

public sealed class MongoServiceStoreTests(MongoTestTarget target, ITestOutputHelper output) : IClassFixture<MongoTestTarget>
{
    private static readonly DateTimeOffset Time = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_stored_document_is_listed_and_read_back_by_key()
    {
        await using var database = target.CreateDatabase(output);
        var store = new MongoServiceStore(database.Database);
        await store.Services.InsertManyAsync([ServiceDocuments.Valid("web", "acme", replicas: 3), ServiceDocuments.Valid("db")]);

        var all = await store.ListAsync(None);
        var web = await store.GetAsync(new ResourceKey("ServiceSpec", "acme", "web"), None);

        Assert.Equal(["acme/web", "system/db"], all.Select(service => $"{service.Key.Tenant}/{service.Key.Name}").Order());
        Assert.Equal(3, web!.Spec!.Spec.Replicas);
        Assert.Equal("acme/web", web.Uid);
        Assert.Null(await store.GetAsync(new ResourceKey("ServiceSpec", "acme", "missing"), None));
    }

    [Fact]
    public async Task A_mongosh_document_with_an_ObjectId_and_no_tenant_is_found_by_its_key()
    {
        await using var database = target.CreateDatabase(output);
        var store = new MongoServiceStore(database.Database);
        var document = ServiceDocuments.Valid("web", id: ObjectId.GenerateNewId());
        document["metadata"].AsBsonDocument.Remove("tenant");
        await store.Services.InsertOneAsync(document);

        var found = await store.GetAsync(new ResourceKey("ServiceSpec", "system", "web"), None);

        Assert.NotNull(found?.Spec);
        Assert.Equal(document["_id"].AsObjectId.ToString(), found.Uid);
    }

    [Theory]
    [InlineData(42)]
    [InlineData("")]
    public async Task A_document_whose_tenant_is_not_a_name_still_takes_its_status(object tenant)
    {
        await using var database = target.CreateDatabase(output);
        await new SchemaInstaller(database.Database).InstallAsync(None);
        var store = new MongoServiceStore(database.Database);
        var document = ServiceDocuments.Valid("web", "acme");
        document["metadata"]["tenant"] = BsonValue.Create(tenant);
        await store.Services.InsertOneAsync(document, new InsertOneOptions { BypassDocumentValidation = true });

        var listed = (await store.ListAsync(None)).Single();
        await store.WriteStatusAsync(listed.Key, new ServiceStatus { Phase = ResourcePhase.Degraded, Message = "Invalid spec" }, None);

        Assert.NotNull(listed.InvalidReason);
        Assert.Equal(ResourcePhase.Degraded, (await store.GetAsync(listed.Key, None))?.Status?.Phase);
    }

    [Fact]
    public async Task An_invalid_document_is_listed_with_its_reason_and_does_not_hide_the_valid_ones()
    {
        await using var database = target.CreateDatabase(output);
        var store = new MongoServiceStore(database.Database);
        var bad = ServiceDocuments.Valid("bad");
        bad["spec"]["replicas"] = -2;
        await store.Services.InsertManyAsync([bad, ServiceDocuments.Valid("good")]);

        var all = await store.ListAsync(None);

        Assert.Contains("spec.replicas must be an integer ≥ 0, got -2", all.Single(service => service.Key.Name == "bad").InvalidReason);
        Assert.NotNull(all.Single(service => service.Key.Name == "good").Spec);
    }

    [Fact]
    public async Task Writing_status_replaces_only_status_and_leaves_spec_and_metadata_alone()
    {
        await using var database = target.CreateDatabase(output);
        var store = new MongoServiceStore(database.Database);
        var original = ServiceDocuments.Valid("web");
        await store.Services.InsertOneAsync(original);
        var key = new ResourceKey("ServiceSpec", "system", "web");
        var status = new ServiceStatus
        {
            Phase = ResourcePhase.Running,
            ObservedSpecHash = "abc",
            Replicas = new ReplicaCounts(1, 1),
            Conditions = [new Condition("Ready", true, "AllHealthy", "1/1 ready", Time)],
            UpdatedAt = Time,
        };

        await store.WriteStatusAsync(key, status, None);
        await store.WriteStatusAsync(key, status with { Message = "second write" }, None);

        var stored = await store.Services.Find(new BsonDocument("_id", "system/web")).SingleAsync();
        Assert.Equal(original["spec"], stored["spec"]);
        Assert.Equal(original["metadata"], stored["metadata"]);
        Assert.Equal("Running", stored["status"]["phase"].AsString);
        Assert.Equal("second write", stored["status"]["message"].AsString);
        var read = (await store.GetAsync(key, None))!.Status!;
        Assert.Equal(status.Conditions, read.Conditions);
    }

    [Fact]
    public async Task Delete_removes_the_document_and_events_are_listed_newest_first()
    {
        await using var database = target.CreateDatabase(output);
        var store = new MongoServiceStore(database.Database);
        var key = new ResourceKey("ServiceSpec", "system", "web");
        var recorder = new MongoEventRecorder(database.Database);
        await store.Services.InsertOneAsync(ServiceDocuments.Valid("web"));
        await recorder.RecordAsync(new ResourceEvent(key, "Created", "first", EventType.Normal, Time), None);
        await recorder.RecordAsync(new ResourceEvent(key, "Running", "second", EventType.Normal, Time.AddSeconds(1)), None);
        await recorder.RecordAsync(new ResourceEvent(key with { Name = "other" }, "Created", "not mine", EventType.Normal, Time), None);

        await store.DeleteAsync(key, None);
        var events = await store.ListEventsAsync(key, 10, None);

        Assert.Null(await store.GetAsync(key, None));
        Assert.Equal(["second", "first"], events.Select(resourceEvent => resourceEvent.Message));
        Assert.Equal(Time.AddSeconds(1), events[0].Time);
    }

    [Fact]
    public async Task Apply_creates_with_a_creation_timestamp_then_is_unchanged_then_configures_and_never_touches_status_or_the_timestamp()
    {
        await using var database = target.CreateDatabase(output);
        var store = new MongoServiceStore(database.Database);
        var mapper = new ServiceDocumentMapper();
        var document = ServiceDocuments.Valid("web", "acme");
        var spec = mapper.Read(document).Spec!;
        var key = spec.Key;

        var before = DateTime.UtcNow.AddMilliseconds(-1);
        var first = await store.ApplyAsync(spec, document["spec"].AsBsonDocument, None);
        var createdAt = (await store.Services.Find(FilterDefinition<BsonDocument>.Empty).SingleAsync())["metadata"]["creationTimestamp"].ToUniversalTime();
        await store.WriteStatusAsync(key, new ServiceStatus { Phase = ResourcePhase.Running, UpdatedAt = Time }, None);
        var second = await store.ApplyAsync(spec, document["spec"].AsBsonDocument, None);
        var changedSpec = document["spec"].AsBsonDocument.DeepClone().AsBsonDocument;
        changedSpec["replicas"] = 4;
        var third = await store.ApplyAsync(spec, changedSpec, None);

        Assert.Equal([ApplyOutcome.Created, ApplyOutcome.Unchanged, ApplyOutcome.Configured], [first, second, third]);
        var stored = await store.Services.Find(FilterDefinition<BsonDocument>.Empty).SingleAsync();
        Assert.Equal("acme/web", stored["_id"].AsString);
        Assert.Equal(createdAt, stored["metadata"]["creationTimestamp"].ToUniversalTime());
        Assert.Equal(4, stored["spec"]["replicas"].ToInt32());
        Assert.Equal("Running", stored["status"]["phase"].AsString);
        Assert.InRange(createdAt, before, DateTime.UtcNow);
    }

    [Fact]
    public async Task Apply_updates_a_document_inserted_by_mongosh_in_place_keeping_its_ObjectId()
    {
        await using var database = target.CreateDatabase(output);
        var store = new MongoServiceStore(database.Database);
        var id = ObjectId.GenerateNewId();
        await store.Services.InsertOneAsync(ServiceDocuments.Valid("web", id: id));
        var document = ServiceDocuments.Valid("web", replicas: 2);
        var spec = new ServiceDocumentMapper().Read(document).Spec!;

        var outcome = await store.ApplyAsync(spec, document["spec"].AsBsonDocument, None);

        var stored = await store.Services.Find(FilterDefinition<BsonDocument>.Empty).SingleAsync();
        Assert.Equal(ApplyOutcome.Configured, outcome);
        Assert.Equal(id, stored["_id"].AsObjectId);
        Assert.Equal(2, stored["spec"]["replicas"].ToInt32());
    }

    [Fact]
    public async Task Requesting_deletion_sets_the_flag_the_operator_reads()
    {
        await using var database = target.CreateDatabase(output);
        var store = new MongoServiceStore(database.Database);
        var key = new ResourceKey("ServiceSpec", "system", "web");
        await store.Services.InsertOneAsync(ServiceDocuments.Valid("web"));

        Assert.True(await store.RequestDeletionAsync(key, None));
        Assert.False(await store.RequestDeletionAsync(key with { Name = "missing" }, None));
        Assert.True((await store.GetAsync(key, None))!.DeletionRequested);
    }
}
