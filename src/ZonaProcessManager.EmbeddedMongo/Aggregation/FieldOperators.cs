using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

/// <summary>
/// $getField, $setField and $unsetField: read and write one field by its literal name, also names holding '.' or
/// starting with '$' that field paths cannot express. The name is never split on dots.
/// </summary>
internal static class FieldOperators
{
    private static readonly string[] GetFieldArguments = ["field", "input"];
    private static readonly string[] SetFieldArguments = ["field", "input", "value"];

    public static Expression ParseGetField(BsonValue value, Func<BsonValue, Expression> parse)
    {
        // {$getField: "name"} is short for {$getField: {field: "name"}}.
        if (value is not BsonDocument spec || (spec.ElementCount > 0 && spec.GetElement(0).Name.StartsWith('$')))
        {
            var shorthandField = parse(value);
            return new OperatorExpression("$getField", [], (context, _) => Get(context.Root, FieldName(shorthandField, context, "$getField")));
        }

        CheckArguments(spec, GetFieldArguments, "$getField");
        var field = parse(Require(spec, "field", "$getField"));
        var input = spec.TryGetValue("input", out var inputValue) ? parse(inputValue) : null;
        return new OperatorExpression("$getField", [], (context, _) =>
        {
            var name = FieldName(field, context, "$getField");
            var source = input is null ? context.Root : input.Evaluate(context);
            return source switch
            {
                null or BsonNull or BsonUndefined => BsonNull.Value,
                BsonDocument document => Get(document, name),
                _ => throw MongoError.Location(3041705, $"$getField requires 'input' to evaluate to type Object, but got {source.BsonType.ToString().ToLowerInvariant()}"),
            };
        });
    }

    /// <param name="removeOnly">True for $unsetField, which is $setField with value $$REMOVE.</param>
    public static Expression ParseSetField(BsonValue value, Func<BsonValue, Expression> parse, bool removeOnly)
    {
        var name = removeOnly ? "$unsetField" : "$setField";
        if (value is not BsonDocument spec)
        {
            throw MongoError.Location(4161100, $"{name} only supports an object as its argument");
        }

        CheckArguments(spec, removeOnly ? GetFieldArguments : SetFieldArguments, name);
        var field = parse(Require(spec, "field", name));
        var input = parse(Require(spec, "input", name));
        var newValue = removeOnly ? null : parse(Require(spec, "value", name));
        return new OperatorExpression(name, [], (context, _) =>
        {
            var fieldName = FieldName(field, context, name);
            var source = input.Evaluate(context);
            if (source is null or BsonNull or BsonUndefined)
            {
                return BsonNull.Value;
            }

            if (source is not BsonDocument document)
            {
                throw MongoError.Location(4161105, $"{name} requires 'input' to evaluate to type Object");
            }

            var result = new BsonDocument();
            foreach (var element in document)
            {
                if (element.Name != fieldName)
                {
                    result.Add(element.Name, element.Value);
                }
            }

            // $$REMOVE (or a missing value) removes the field; any other value replaces it in place or appends it.
            var assigned = newValue?.Evaluate(context);
            if (assigned is not null)
            {
                var position = IndexOf(document, fieldName);
                result.InsertAt(position >= 0 ? position : result.ElementCount, new BsonElement(fieldName, assigned));
            }

            return result;
        });
    }

    private static BsonValue? Get(BsonDocument document, string name) => document.TryGetValue(name, out var found) ? found : null;

    private static int IndexOf(BsonDocument document, string name)
    {
        for (var i = 0; i < document.ElementCount; i++)
        {
            if (document.GetElement(i).Name == name)
            {
                return i;
            }
        }

        return -1;
    }

    private static string FieldName(Expression field, EvaluationContext context, string operatorName) =>
        field.Evaluate(context) is BsonString text
            ? text.Value
            : throw MongoError.Location(3041704, $"{operatorName} requires 'field' to evaluate to type String");

    private static BsonValue Require(BsonDocument spec, string field, string operatorName) =>
        spec.TryGetValue(field, out var value)
            ? value
            : throw MongoError.Location(3041702, $"{operatorName} requires '{field}' to be specified");

    private static void CheckArguments(BsonDocument spec, string[] allowed, string operatorName)
    {
        foreach (var element in spec)
        {
            if (!allowed.Contains(element.Name))
            {
                throw MongoError.Location(3041701, $"{operatorName} found an unknown argument: {element.Name}");
            }
        }
    }
}
