using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

/// <summary>
/// $getField, $setField and $unsetField: read and write one field by its literal name, also names holding '.' or
/// starting with '$' that field paths cannot express. The name is never split on dots. As in MongoDB 7.0, 'field' must
/// be a constant string (a string, or $literal/$const of one), checked when the pipeline is parsed.
/// </summary>
internal static class FieldOperators
{
    private static readonly string[] SetFieldArguments = ["field", "input", "value"];

    /// <summary>
    /// MongoDB 7.0's checks on 'field': a field path, a non-constant expression and a constant other than a string are
    /// refused when the pipeline is parsed, each with its own code.
    /// </summary>
    private sealed record FieldCodes(int FieldPath, int NotConstant, int NotString);

    private static readonly FieldCodes GetFieldCodes = new(5654600, 5654601, 5654602);
    private static readonly FieldCodes SetFieldCodes = new(4161108, 4161106, 4161107);

    public static Expression ParseGetField(BsonValue value, Func<BsonValue, Expression> parse)
    {
        // {$getField: "name"} (or an expression) is short for {$getField: {field: "name"}}.
        if (value is not BsonDocument spec || (spec.ElementCount > 0 && spec.GetElement(0).Name.StartsWith('$')))
        {
            var shorthandName = ConstantFieldName(parse(value), "$getField", GetFieldCodes);
            return new OperatorExpression("$getField", [], (context, _) => Get(context.Root, shorthandName));
        }

        foreach (var element in spec)
        {
            if (element.Name is not ("field" or "input"))
            {
                throw MongoError.Location(3041701, $"$getField found an unknown argument: {element.Name}");
            }
        }

        var name = ConstantFieldName(parse(spec.TryGetValue("field", out var field)
            ? field
            : throw MongoError.Location(3041702, "$getField requires 'field' to be specified")), "$getField", GetFieldCodes);
        var input = spec.TryGetValue("input", out var inputValue) ? parse(inputValue) : null;
        return new OperatorExpression("$getField", [], (context, _) =>
        {
            var source = input is null ? context.Root : input.Evaluate(context);
            // As mongod 7.0 answers: null or undefined input gives null, a missing or non-object one gives missing.
            return source switch
            {
                BsonNull or BsonUndefined => BsonNull.Value,
                BsonDocument document => Get(document, name),
                _ => null,
            };
        });
    }

    /// <param name="removeOnly">True for $unsetField, which is $setField with value $$REMOVE.</param>
    public static Expression ParseSetField(BsonValue value, Func<BsonValue, Expression> parse, bool removeOnly)
    {
        var operatorName = removeOnly ? "$unsetField" : "$setField";
        if (value is not BsonDocument spec)
        {
            throw MongoError.Location(4161100, $"{operatorName} only supports an object as its argument");
        }

        foreach (var element in spec)
        {
            if (!SetFieldArguments.Contains(element.Name) || (removeOnly && element.Name == "value"))
            {
                throw MongoError.Location(4161101, $"{operatorName} found an unknown argument: {element.Name}");
            }
        }

        // Checked in mongod's order: field, value, input present; then what field is.
        var field = spec.TryGetValue("field", out var fieldValue)
            ? parse(fieldValue)
            : throw MongoError.Location(4161102, $"{operatorName} requires 'field' to be specified");
        var newValue = removeOnly ? null
            : spec.TryGetValue("value", out var valueValue) ? parse(valueValue)
            : throw MongoError.Location(4161103, $"{operatorName} requires 'value' to be specified");
        var input = spec.TryGetValue("input", out var inputValue)
            ? parse(inputValue)
            : throw MongoError.Location(4161109, $"{operatorName} requires 'input' to be specified");
        var fieldName = ConstantFieldName(field, operatorName, SetFieldCodes);
        return new OperatorExpression(operatorName, [], (context, _) =>
        {
            var source = input.Evaluate(context);
            if (source is null or BsonNull or BsonUndefined)
            {
                return BsonNull.Value;
            }

            if (source is not BsonDocument document)
            {
                throw MongoError.Location(4161105, $"{operatorName} requires 'input' to evaluate to type Object");
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

    private static string ConstantFieldName(Expression field, string operatorName, FieldCodes codes) => field switch
    {
        FieldPathExpression => throw MongoError.Location(codes.FieldPath,
            $"A field path reference which is not allowed in this context. Did you mean {{$literal: ...}}? ('field' of {operatorName} must be a constant string)"),
        ConstantExpression { Value: BsonString name } => name.Value,
        ConstantExpression constant => throw MongoError.Location(codes.NotString,
            $"{operatorName} requires 'field' to evaluate to type String, but got {constant.Value.BsonType.ToString().ToLowerInvariant()}"),
        _ => throw MongoError.Location(codes.NotConstant, $"{operatorName} requires 'field' to evaluate to a constant, but got a non-constant argument"),
    };
}
