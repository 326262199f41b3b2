using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Query;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

/// <summary>A parsed aggregation pipeline (not $changeStream, which the server handles itself).</summary>
public sealed class Pipeline
{
    private static readonly HashSet<string> UpdateStages = new(StringComparer.Ordinal)
    {
        "$addFields", "$set", "$project", "$unset", "$replaceRoot", "$replaceWith",
    };

    private readonly Stage[] stages;

    private Pipeline(Stage[] stages, Filter? leadingMatch, OutputStage? output)
    {
        this.stages = stages;
        LeadingMatch = leadingMatch;
        Output = output;
    }

    /// <summary>
    /// Unsupported stages throw <see cref="MongoError"/> code 40324 "Unrecognized pipeline stage name: '$x'". A $out or
    /// $merge is accepted only as the last stage (40601 elsewhere) and becomes <see cref="Output"/>, not a stage.
    /// </summary>
    public static Pipeline Parse(BsonArray stages)
    {
        ArgumentNullException.ThrowIfNull(stages);
        var parsed = new List<Stage>(stages.Count);
        OutputStage? output = null;
        for (int i = 0; i < stages.Count; i++)
        {
            var name = stages[i] is BsonDocument { ElementCount: 1 } single ? single.GetElement(0).Name : null;
            if (name is "$out" or "$merge")
            {
                if (i != stages.Count - 1)
                {
                    throw MongoError.Location(40601, $"{name} can only be the final stage in the pipeline");
                }

                var spec = stages[i].AsBsonDocument[0];
                output = name == "$out" ? OutStage.Parse(spec) : MergeStage.Parse(spec);
                break;
            }

            parsed.Add(StageParser.Parse(stages[i]));
        }

        var leadingMatch = parsed.Count > 0 && parsed[0] is MatchStage match ? match.Filter : null;
        return new Pipeline([.. parsed], leadingMatch, output);
    }

    /// <summary>A sub-pipeline ($lookup, $facet, a view's definition) may not write: <paramref name="code"/> names where it was.</summary>
    internal static Pipeline ParseWithoutOutput(BsonArray stages, int code, string where)
    {
        var pipeline = Parse(stages);
        return pipeline.Output is { } output
            ? throw MongoError.Location(code, $"{output.StageName} is not allowed to be used within {where}")
            : pipeline;
    }

    /// <summary>The $out or $merge that ends the pipeline, if any; the caller writes the results with it.</summary>
    public OutputStage? Output { get; }

    /// <summary>An update given as a pipeline: only stages that reshape one document are allowed (as in MongoDB).</summary>
    internal static Pipeline ParseForUpdate(BsonArray stages)
    {
        foreach (var stage in stages)
        {
            if (stage is BsonDocument { ElementCount: 1 } document && !UpdateStages.Contains(document.GetElement(0).Name))
            {
                throw new MongoError(72, "InvalidOptions", $"{document.GetElement(0).Name} is not allowed to be used within an update");
            }
        }

        return Parse(stages);
    }

    /// <summary>A leading $match, if any, so the caller can use an index before feeding documents in.</summary>
    public Filter? LeadingMatch { get; }

    public IEnumerable<BsonDocument> Execute(IEnumerable<BsonDocument> input, IAggregationSource source)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(source);
        var current = input;
        foreach (var stage in stages)
        {
            current = stage.Execute(current, source);
        }

        return current;
    }

    internal BsonDocument ExecuteForUpdate(BsonDocument document)
    {
        var results = Execute([document], EmptySource.Instance).ToList();
        return results.Count == 1 ? results[0] : throw MongoError.BadValue("an update pipeline must produce exactly one document");
    }

    private sealed class EmptySource : IAggregationSource
    {
        public static readonly EmptySource Instance = new();

        public IEnumerable<BsonDocument> ReadCollection(string collectionName) => [];
    }
}
