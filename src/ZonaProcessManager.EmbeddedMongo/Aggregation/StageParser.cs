using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Query;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

internal static class StageParser
{
    public static Stage Parse(BsonValue stage)
    {
        if (stage is not BsonDocument document || document.ElementCount != 1)
        {
            throw new MongoError(40323, "Location40323", "A pipeline stage specification object must contain exactly one field.");
        }

        var element = document.GetElement(0);
        var spec = element.Value;
        return element.Name switch
        {
            "$match" => new MatchStage(Filter.Parse(RequireDocument(spec, "$match", 15959, "the match filter must be an expression in an object"))),
            "$project" => new ProjectStage(Projection.ParseForAggregation(RequireDocument(spec, "$project", 15969, "$project specification must be an object"))),
            "$addFields" or "$set" => new AddFieldsStage(RequireDocument(spec, element.Name, 40272, $"{element.Name} specification stage must be an object")),
            "$unset" => new ProjectStage(ParseUnset(spec)),
            "$sort" => new SortStage(SortSpec.Parse(RequireDocument(spec, "$sort", 15973, "the $sort key specification must be an object"))),
            "$skip" => new SkipStage(RequireCount(spec, "$skip", 15972, 15956, allowZero: true)),
            "$limit" => new LimitStage(RequireCount(spec, "$limit", 15957, 15958, allowZero: false)),
            "$count" => new CountStage(ParseCountName(spec)),
            "$group" => GroupStage.Parse(RequireDocument(spec, "$group", 15947, "a group's fields must be specified in an object")),
            "$unwind" => UnwindStage.Parse(spec),
            "$lookup" => LookupStage.Parse(RequireDocument(spec, "$lookup", 40319, "the $lookup specification must be an Object")),
            "$replaceRoot" => new ReplaceRootStage(ExpressionParser.Parse(RequireDocument(spec, "$replaceRoot", 40228, "$replaceRoot specification must be an object")
                .GetValue("newRoot", null) ?? throw new MongoError(40231, "Location40231", "no newRoot specified for the $replaceRoot stage"))),
            "$replaceWith" => new ReplaceRootStage(ExpressionParser.Parse(spec)),
            "$sortByCount" => SortByCount(spec),
            "$facet" => FacetStage.Parse(RequireDocument(spec, "$facet", 15947, "the $facet specification must be a non-empty object")),
            "$documents" or "$currentOp" or "$listLocalSessions" or "$changeStream" =>
                throw MongoError.Location(40602, $"{element.Name} is only valid as the first stage in a pipeline"),
            "$geoNear" or "$graphLookup" or "$search" or "$densify" or "$fill" or "$setWindowFields" or "$bucket" or "$bucketAuto"
                or "$sample" or "$redact" or "$collStats" or "$indexStats" or "$listSessions" or "$unionWith" =>
                throw MongoError.BadValue($"The pipeline stage {element.Name} is not supported by the embedded server"),
            _ => throw new MongoError(40324, "Location40324", $"Unrecognized pipeline stage name: '{element.Name}'"),
        };
    }

    private static BsonDocument RequireDocument(BsonValue value, string stage, int code, string message) =>
        value as BsonDocument ?? throw new MongoError(code, $"Location{code}", message);

    private static long RequireCount(BsonValue value, string stage, int typeCode, int rangeCode, bool allowZero)
    {
        if (!BsonTypeNames.IsNumber(value) || value.ToDouble() != Math.Truncate(value.ToDouble()))
        {
            throw new MongoError(typeCode, $"Location{typeCode}", $"invalid argument to {stage} stage: Expected an integer: {stage}: {value}");
        }

        long count = (long)value.ToDouble();
        if (count < 0 || (!allowZero && count == 0))
        {
            throw new MongoError(rangeCode, $"Location{rangeCode}", stage == "$limit" ? "the limit must be positive" : $"invalid argument to $skip stage: Expected a non-negative number in: $skip: {count}");
        }

        return count;
    }

    private static string ParseCountName(BsonValue spec)
    {
        if (spec is not BsonString name)
        {
            throw new MongoError(40156, "Location40156", "the count field must be a non-empty string");
        }

        if (name.Value.Length == 0)
        {
            throw new MongoError(40157, "Location40157", "the count field must be a non-empty string");
        }

        if (name.Value.StartsWith('$'))
        {
            throw new MongoError(40158, "Location40158", "the count field cannot be a $-prefixed path");
        }

        if (name.Value.Contains('.'))
        {
            throw new MongoError(40160, "Location40160", "the count field cannot contain '.'");
        }

        return name.Value;
    }

    private static Projection ParseUnset(BsonValue spec)
    {
        var fields = spec switch
        {
            BsonString single => [single],
            BsonArray { Count: > 0 } array when array.All(v => v is BsonString) => array,
            _ => throw new MongoError(31002, "Location31002", "$unset specification must be a string or an array containing only string values"),
        };
        var projection = new BsonDocument();
        foreach (var field in fields)
        {
            projection[field.AsString] = 0;
        }

        return Projection.ParseForAggregation(projection);
    }

    private static Stage SortByCount(BsonValue spec)
    {
        if (!(spec is BsonString s && s.Value.StartsWith('$')) && spec is not BsonDocument)
        {
            throw new MongoError(40148, "Location40148", "the sortByCount field must be defined as a $-prefixed path or an expression");
        }

        var group = GroupStage.Parse(new BsonDocument { { "_id", spec }, { "count", new BsonDocument("$sum", 1) } });
        return new ChainStage(group, new SortStage(SortSpec.Parse(new BsonDocument("count", -1))));
    }
}
