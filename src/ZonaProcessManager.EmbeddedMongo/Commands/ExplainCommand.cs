using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Query;
using ZonaProcessManager.EmbeddedMongo.Storage;

namespace ZonaProcessManager.EmbeddedMongo.Commands;

/// <summary>
/// explain for find, in MongoDB's reply shape (queryPlanner.winningPlan, executionStats), so a user can see whether a
/// query uses an index: FETCH over IXSCAN (one index), FETCH over OR of IXSCANs (a top-level $or), or COLLSCAN.
/// Other explained commands answer IllegalOperation rather than a made-up plan.
/// </summary>
public static class ExplainCommand
{
    public static ValueTask<BsonDocument> Execute(CommandContext context)
    {
        if (context.CommandValue is not BsonDocument explained || explained.ElementCount == 0)
        {
            throw MongoError.FailedToParse("explain command requires a nested object");
        }

        var verbosity = context.Body.GetValue("verbosity", "allPlansExecution").ToString();
        if (verbosity is not ("queryPlanner" or "executionStats" or "allPlansExecution"))
        {
            throw MongoError.BadValue($"verbosity string must be one of {{'queryPlanner', 'executionStats', 'allPlansExecution'}}, not {verbosity}");
        }

        var commandName = explained.GetElement(0).Name;
        if (commandName != "find")
        {
            throw new MongoError(20, "IllegalOperation", $"explain of {commandName} is not supported by the embedded server; only find can be explained");
        }

        // The explained find is held to the same options as a find, and its plan is the one its collation gets.
        CommandOptions.Check(commandName, explained);
        var inner = context with { Body = explained };
        var name = inner.CollectionName;
        var filterDocument = inner.OptionalDocument("filter") ?? [];
        var skip = Math.Max(0, inner.OptionalNumber("skip") ?? 0);
        var limit = Math.Abs(inner.OptionalNumber("limit") ?? 0);
        var collection = context.Catalog.Find(context.Database, name);
        if (collection is { IsView: true })
        {
            // MongoDB explains the view's pipeline; a plan of the view's empty storage would be a wrong answer.
            throw CommandOptions.NotImplemented("explain of a find on a view");
        }

        var filter = Filter.Parse(filterDocument, inner.CommandCollation(collection), inner.Variables());

        var (plan, examined, matched) = collection is null
            ? (new QueryPlan(QueryPlan.CollectionScan, [], []), 0, 0)
            : context.Read(read =>
            {
                var chosen = read.Plan(collection, filter);
                var (examinedCount, matchedCount) = (0, 0);
                foreach (var candidate in chosen.Candidates)
                {
                    examinedCount++;
                    if (filter.Matches(candidate.Document))
                    {
                        matchedCount++;
                    }
                }

                return (chosen, examinedCount, matchedCount);
            });
        var returned = Math.Max(0, matched - skip);
        if (limit > 0)
        {
            returned = Math.Min(returned, limit);
        }

        var reply = new BsonDocument
        {
            { "explainVersion", "1" },
            {
                "queryPlanner", new BsonDocument
                {
                    { "namespace", $"{context.Database}.{name}" },
                    { "parsedQuery", filterDocument },
                    { "winningPlan", WinningPlan(plan, collection) },
                    { "rejectedPlans", new BsonArray() },
                }
            },
        };
        if (verbosity != "queryPlanner")
        {
            reply["executionStats"] = new BsonDocument
            {
                { "executionSuccess", true },
                { "nReturned", returned },
                { "executionTimeMillis", 0 },
                // Index keys are not counted separately: each candidate is one key here.
                { "totalKeysExamined", plan.Stage == QueryPlan.CollectionScan ? 0 : examined },
                { "totalDocsExamined", examined },
            };
        }

        reply["command"] = explained;
        return ValueTask.FromResult(reply);
    }

    private static BsonDocument WinningPlan(QueryPlan plan, CollectionMeta? collection)
    {
        if (plan.Stage == QueryPlan.CollectionScan)
        {
            return new BsonDocument { { "stage", "COLLSCAN" }, { "direction", "forward" } };
        }

        var scans = plan.IndexNames.Select(index => new BsonDocument
        {
            { "stage", "IXSCAN" },
            { "indexName", index },
            { "keyPattern", collection?.Indexes.FirstOrDefault(i => i.Name == index)?.Key ?? new BsonDocument("_id", 1) },
        }).ToList();
        var input = plan.Stage == QueryPlan.Or
            ? new BsonDocument { { "stage", "OR" }, { "inputStages", new BsonArray(scans) } }
            : scans.Single();
        return new BsonDocument { { "stage", "FETCH" }, { "inputStage", input } };
    }
}
