using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Validation;

/// <summary>A collection validator: {$jsonSchema: {...}} and/or query operators, as MongoDB accepts in create/collMod.</summary>
public sealed class DocumentValidator
{
    /// <summary>Throws <see cref="MongoError"/> (e.g. 2 BadValue) when the validator itself is malformed, at create/collMod time.</summary>
    public static DocumentValidator Parse(BsonDocument validator) => throw new NotImplementedException();

    /// <summary>
    /// Null when the document is valid; otherwise MongoDB's errInfo document
    /// ({failingDocumentId, details: {operatorName: "$jsonSchema", schemaRulesNotSatisfied: [...]}}) naming the failing rule and field.
    /// </summary>
    public BsonDocument? Validate(BsonDocument document) => throw new NotImplementedException();
}
