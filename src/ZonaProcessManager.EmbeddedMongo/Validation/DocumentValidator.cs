using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Query;

namespace ZonaProcessManager.EmbeddedMongo.Validation;

/// <summary>A collection validator: {$jsonSchema: {...}} and/or query operators, as MongoDB accepts in create/collMod.</summary>
public sealed class DocumentValidator
{
    private readonly JsonSchema? schema;
    private readonly List<(BsonElement Clause, Filter Filter)> queryClauses;

    private DocumentValidator(JsonSchema? schema, List<(BsonElement, Filter)> queryClauses)
    {
        this.schema = schema;
        this.queryClauses = queryClauses;
    }

    /// <summary>Throws <see cref="MongoError"/> (e.g. 2 BadValue) when the validator itself is malformed, at create/collMod time.</summary>
    public static DocumentValidator Parse(BsonDocument validator)
    {
        ArgumentNullException.ThrowIfNull(validator);
        JsonSchema? schema = null;
        var clauses = new List<(BsonElement, Filter)>();
        foreach (var element in validator)
        {
            if (element.Name == "$jsonSchema")
            {
                if (element.Value is not BsonDocument schemaDocument)
                {
                    throw MongoError.TypeMismatch("$jsonSchema must be an object");
                }

                schema = JsonSchema.Parse(schemaDocument);
                continue;
            }

            if (element.Name is "$where" or "$text" or "$near" or "$nearSphere")
            {
                throw MongoError.BadValue($"{element.Name} is not allowed in collection validators");
            }

            // Each top-level clause is parsed on its own so a failure can name the clause that did not hold.
            clauses.Add((element, Filter.Parse(new BsonDocument(element.Name, element.Value))));
        }

        return new DocumentValidator(schema, clauses);
    }

    /// <summary>
    /// Null when the document is valid; otherwise MongoDB's errInfo document
    /// ({failingDocumentId, details: {operatorName: "$jsonSchema", schemaRulesNotSatisfied: [...]}}) naming the failing rule and field.
    /// </summary>
    public BsonDocument? Validate(BsonDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var failing = new List<BsonDocument>();
        if (schema?.Validate(document) is { } rules)
        {
            failing.Add(new BsonDocument { { "operatorName", "$jsonSchema" }, { "schemaRulesNotSatisfied", rules } });
        }

        foreach (var (clause, filter) in queryClauses)
        {
            if (!filter.Matches(document))
            {
                failing.Add(DescribeClause(clause, document));
            }
        }

        if (failing.Count == 0)
        {
            return null;
        }

        var details = failing.Count == 1 && queryClauses.Count + (schema is null ? 0 : 1) == 1
            ? failing[0]
            : new BsonDocument
            {
                { "operatorName", "$and" },
                { "clausesNotSatisfied", new BsonArray(failing.Select((f, i) => new BsonDocument { { "index", i }, { "details", f } })) },
            };
        var errInfo = new BsonDocument();
        if (document.TryGetValue("_id", out var id))
        {
            errInfo["failingDocumentId"] = id;
        }

        errInfo["details"] = details;
        return errInfo;
    }

    private static BsonDocument DescribeClause(BsonElement clause, BsonDocument document)
    {
        var description = new BsonDocument
        {
            { "operatorName", clause.Name.StartsWith('$') ? clause.Name : OperatorOf(clause.Value) },
            { "specifiedAs", new BsonDocument(clause.Name, clause.Value) },
            { "reason", "expression did not match" },
        };
        if (!clause.Name.StartsWith('$'))
        {
            var value = UpdatePaths.Get(document, clause.Name.Split('.'));
            if (value is null)
            {
                description["reason"] = "field was missing";
            }
            else
            {
                description["consideredValue"] = value;
            }
        }

        return description;
    }

    private static string OperatorOf(BsonValue condition) =>
        condition is BsonDocument document && FilterParser.IsOperatorDocument(document) && document.ElementCount == 1
            ? document.GetElement(0).Name
            : "$eq";
}
