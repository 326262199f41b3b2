using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Query;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

internal sealed class FacetStage(List<(string Name, Pipeline Pipeline)> facets) : Stage
{
    public static FacetStage Parse(BsonDocument spec)
    {
        if (spec.ElementCount == 0)
        {
            throw new MongoError(40169, "Location40169", "the $facet specification must be a non-empty object");
        }

        var facets = new List<(string, Pipeline)>();
        foreach (var facet in spec)
        {
            if (facet.Value is not BsonArray stages)
            {
                throw new MongoError(40170, "Location40170", $"arguments to $facet must be arrays, {facet.Name} is type {BsonTypeNames.NameOf(facet.Value.BsonType)}");
            }

            facets.Add((facet.Name, Pipeline.ParseWithoutOutput(stages, 40600, "a $facet stage")));
        }

        return new FacetStage(facets);
    }

    public override IEnumerable<BsonDocument> Execute(IEnumerable<BsonDocument> input, IAggregationSource source)
    {
        var documents = input.ToList();
        var result = new BsonDocument();
        foreach (var (name, pipeline) in facets)
        {
            result[name] = new BsonArray(pipeline.Execute(documents, source));
        }

        yield return result;
    }
}
