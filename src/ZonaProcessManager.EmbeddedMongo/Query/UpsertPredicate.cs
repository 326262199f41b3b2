using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

/// <summary>
/// MongoDB refuses $expr anywhere in the query of an upsert (code 224, QueryFeatureNotAllowed), whether or not a
/// document matches: an expression cannot seed the document the upsert would insert. Checked before the write.
/// </summary>
internal static class UpsertPredicate
{
    public static void RejectExpr(BsonDocument query)
    {
        foreach (var element in query)
        {
            if (element.Name == "$expr")
            {
                throw new MongoError(224, "QueryFeatureNotAllowed", "$expr is not allowed in the query predicate for an upsert");
            }

            if (element.Name is "$and" or "$or" or "$nor" && element.Value is BsonArray clauses)
            {
                foreach (var clause in clauses)
                {
                    if (clause is BsonDocument document)
                    {
                        RejectExpr(document);
                    }
                }
            }
        }
    }
}
