using BenchmarkDotNet.Attributes;
using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Query;

namespace ZonaProcessManager.Benchmarks;

/// <summary>
/// The per-document cost of the embedded server's query engine: the matcher runs once per scanned document, so its
/// allocations and time bound collection scans. Run with: dotnet run -c Release --project bench/ZonaProcessManager.Benchmarks -- --filter *QueryEngine*
/// </summary>
[MemoryDiagnoser]
public class QueryEngineBenchmarks
{
    private readonly BsonDocument serviceSpec = BsonDocument.Parse("""
        {_id: ObjectId('65a000000000000000000001'), name: 'billing-api', tenant: 'acme', generation: 7,
         spec: {image: 'billing:1.4.2', replicas: 3, ports: [{container: 8080, host: 18080}], env: [{name: 'A', value: '1'}, {name: 'B', value: '2'}]},
         status: {phase: 'Running', observedGeneration: 7, conditions: [{type: 'Ready', status: 'True'}, {type: 'Degraded', status: 'False'}]}}
        """);

    private readonly BsonDocument filterDocument = BsonDocument.Parse(
        "{tenant: 'acme', 'status.phase': {$in: ['Running', 'Degraded']}, 'status.conditions': {$elemMatch: {type: 'Ready', status: 'True'}}, generation: {$gte: 5}}");

    private readonly BsonDocument updateDocument = BsonDocument.Parse(
        "{$set: {'status.phase': 'Degraded', 'status.observedGeneration': 8}, $inc: {generation: 1}, $currentDate: {'status.updatedAt': true}}");

    private Filter filter = null!;
    private UpdateEngine update = null!;
    private SortSpec sort = null!;
    private List<BsonDocument> documents = null!;

    [GlobalSetup]
    public void Setup()
    {
        filter = Filter.Parse(filterDocument);
        update = UpdateEngine.Parse(updateDocument);
        sort = SortSpec.Parse(BsonDocument.Parse("{tenant: 1, 'status.phase': -1, generation: 1}"));
        var random = new Random(42);
        documents = [.. Enumerable.Range(0, 1000).Select(i =>
        {
            var copy = serviceSpec.DeepClone().AsBsonDocument;
            copy["_id"] = i;
            copy["tenant"] = $"t{random.Next(20)}";
            copy["generation"] = random.Next(100);
            return copy;
        })];
    }

    [Benchmark]
    public Filter ParseFilter() => Filter.Parse(filterDocument);

    [Benchmark]
    public bool MatchCompiledFilter() => filter.Matches(serviceSpec);

    [Benchmark]
    public UpdateOutcome ApplyOperatorUpdate() => update.Apply(serviceSpec);

    [Benchmark]
    public List<BsonDocument> Sort1000Documents() => sort.Sort(documents);
}
