using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

/// <summary>What MongoDB refuses to store as an <c>_id</c> beyond its type.</summary>
public static class IdRules
{
    /// <summary>
    /// A document <c>_id</c> may not hold '$'-prefixed field names at any depth (52 DollarPrefixedFieldName): such an
    /// _id could not be queried by equality without being read as operators.
    /// </summary>
    public static void RejectDollarPrefixedFields(BsonValue id)
    {
        switch (id)
        {
            case BsonDocument document:
                foreach (var element in document)
                {
                    if (element.Name.StartsWith('$'))
                    {
                        throw new MongoError(52, "DollarPrefixedFieldName", $"_id fields may not contain '$'-prefixed fields: {element.Name} is not valid for storage.");
                    }

                    RejectDollarPrefixedFields(element.Value);
                }

                break;
            case BsonArray array:
                foreach (var item in array)
                {
                    RejectDollarPrefixedFields(item);
                }

                break;
        }
    }
}
