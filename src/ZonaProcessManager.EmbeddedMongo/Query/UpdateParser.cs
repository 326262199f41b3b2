using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

/// <summary>Turns an operator update document into validated, ordered operations.</summary>
internal static class UpdateParser
{
    public static UpdateOperation[] ParseOperators(BsonDocument update, ArrayFilterSet arrayFilters)
    {
        var operations = new List<UpdateOperation>();
        var claimedPaths = new List<string[]>();
        foreach (var element in update)
        {
            string name = element.Name;
            if (!IsKnownOperator(name))
            {
                throw MongoError.FailedToParse($"Unknown modifier: {name}. Expected a valid update modifier or pipeline-style update specified as an array");
            }

            if (element.Value is not BsonDocument fields)
            {
                throw MongoError.FailedToParse(
                    $"Modifiers operate on fields but we found type {BsonTypeNames.NameOf(element.Value.BsonType)} instead. For example: {{$mod: {{<field>: ...}}}} not {{{name}: {element.Value}}}");
            }

            foreach (var field in fields)
            {
                var parts = ParsePath(field.Name, arrayFilters);
                ClaimPath(claimedPaths, parts);
                var operation = Create(name, field, parts, arrayFilters, claimedPaths);
                operations.Add(operation);
            }
        }

        arrayFilters.CheckAllUsed(update);

        // Since MongoDB 5.0 updates apply in field-name order, which decides where new fields are appended.
        return [.. operations.OrderBy(o => o.Parts, PathComparer.Instance)];
    }

    private static bool IsKnownOperator(string name) => name is "$set" or "$unset" or "$inc" or "$mul" or "$min" or "$max"
        or "$rename" or "$setOnInsert" or "$currentDate" or "$push" or "$addToSet" or "$pull" or "$pullAll" or "$pop" or "$bit";

    private static string[] ParsePath(string path, ArrayFilterSet arrayFilters)
    {
        if (path.Length == 0)
        {
            throw new MongoError(56, "EmptyFieldName", "An empty update path is not valid.");
        }

        var parts = path.Split('.');
        foreach (var part in parts)
        {
            if (part.Length == 0)
            {
                throw new MongoError(56, "EmptyFieldName", $"The update path '{path}' contains an empty field name, which is not allowed.");
            }

            if (part.StartsWith("$[", StringComparison.Ordinal) && part.EndsWith(']'))
            {
                if (part.Length > 3)
                {
                    arrayFilters.MarkUsed(part[2..^1], path);
                }
            }
            else if (part.StartsWith('$') && part != "$")
            {
                throw new MongoError(52, "DollarPrefixedFieldName", $"The dollar ($) prefixed field '{part}' in '{path}' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith.");
            }
        }

        return parts;
    }

    private static void ClaimPath(List<string[]> claimed, string[] parts)
    {
        foreach (var other in claimed)
        {
            int common = Math.Min(other.Length, parts.Length);
            bool prefix = true;
            for (int i = 0; i < common && prefix; i++)
            {
                prefix = other[i] == parts[i];
            }

            if (prefix)
            {
                throw new MongoError(40, "ConflictingUpdateOperators",
                    $"Updating the path '{string.Join('.', parts)}' would create a conflict at '{string.Join('.', parts[..common])}'");
            }
        }

        claimed.Add(parts);
    }

    private static UpdateOperation Create(string operatorName, BsonElement field, string[] parts, ArrayFilterSet filters, List<string[]> claimed)
    {
        string path = field.Name;
        var value = field.Value;
        switch (operatorName)
        {
            case "$set":
                return new SetOperation(path, parts, filters, value, onlyOnInsert: false);
            case "$setOnInsert":
                return new SetOperation(path, parts, filters, value, onlyOnInsert: true);
            case "$unset":
                return new UnsetOperation(path, parts, filters);
            case "$inc":
            case "$mul":
                if (!BsonTypeNames.IsNumber(value))
                {
                    string verb = operatorName == "$inc" ? "increment" : "multiply";
                    throw MongoError.TypeMismatch($"Cannot {verb} with non-numeric argument: {{{path}: {value}}}");
                }

                return new ArithmeticOperation(path, parts, filters, value, multiply: operatorName == "$mul");
            case "$min":
            case "$max":
                return new MinMaxOperation(path, parts, filters, value, isMax: operatorName == "$max");
            case "$currentDate":
                return new CurrentDateOperation(path, parts, filters, ParseCurrentDate(value));
            case "$rename":
                return CreateRename(path, parts, value, filters, claimed);
            case "$push":
                return CreatePush(path, parts, value, filters, addToSet: false);
            case "$addToSet":
                return CreatePush(path, parts, value, filters, addToSet: true);
            case "$pull":
                return new PullOperation(path, parts, filters, CreatePullCondition(value), "$pull");
            case "$pullAll":
                if (value is not BsonArray toRemove)
                {
                    throw MongoError.BadValue($"$pullAll requires an array argument but was given a {BsonTypeNames.NameOf(value.BsonType)}");
                }

                return new PullOperation(path, parts, filters, element => toRemove.Any(v => BsonOrder.ValuesEqual(v, element)), "$pullAll");
            case "$pop":
                if (!BsonTypeNames.IsNumber(value) || (value.ToDouble() != 1 && value.ToDouble() != -1))
                {
                    throw MongoError.FailedToParse($"$pop expects 1 or -1, found: {value}");
                }

                return new PopOperation(path, parts, filters, first: value.ToDouble() < 0);
            default:
                return CreateBit(path, parts, value, filters);
        }
    }

    private static bool ParseCurrentDate(BsonValue value)
    {
        if (value is BsonBoolean)
        {
            return false;
        }

        if (value is BsonDocument spec && spec.ElementCount == 1 && spec.GetElement(0).Name == "$type"
            && spec[0] is BsonString { Value: "date" or "timestamp" } type)
        {
            return type.Value == "timestamp";
        }

        throw MongoError.BadValue($"The '$type' string field is required to be 'date' or 'timestamp': {{$currentDate: {{field : {{$type: 'date'}}}}}}, found: {value}");
    }

    private static RenameOperation CreateRename(string path, string[] parts, BsonValue value, ArrayFilterSet filters, List<string[]> claimed)
    {
        if (value is not BsonString destinationText)
        {
            throw MongoError.BadValue($"The 'to' field for $rename must be a string: {path}: {value}");
        }

        string destination = destinationText.Value;
        if (destination == path)
        {
            throw MongoError.BadValue($"The source and target field for $rename must differ: {path}: \"{destination}\"");
        }

        if (destination.StartsWith(path + ".", StringComparison.Ordinal) || path.StartsWith(destination + ".", StringComparison.Ordinal))
        {
            throw MongoError.BadValue($"The source and target field for $rename must not be on the same path: {path}: \"{destination}\"");
        }

        var destinationParts = ParsePath(destination, filters);
        if (Array.Exists(parts, p => p.StartsWith('$')) || Array.Exists(destinationParts, p => p.StartsWith('$')))
        {
            throw MongoError.BadValue($"The source and destination fields for $rename may not be dynamic: {path}: \"{destination}\"");
        }

        ClaimPath(claimed, destinationParts);
        return new RenameOperation(path, parts, filters, destinationParts);
    }

    private static PushOperation CreatePush(string path, string[] parts, BsonValue value, ArrayFilterSet filters, bool addToSet)
    {
        string name = addToSet ? "$addToSet" : "$push";
        if (value is not BsonDocument modifiers || !modifiers.Contains("$each"))
        {
            return new PushOperation(path, parts, filters, [value], null, null, null, 0, addToSet);
        }

        if (modifiers["$each"] is not BsonArray values)
        {
            throw MongoError.BadValue($"The argument to $each in {name} must be an array but it was of type: {BsonTypeNames.NameOf(modifiers["$each"].BsonType)}");
        }

        int? position = null;
        int? slice = null;
        SortSpec? sortByFields = null;
        int sortWhole = 0;
        foreach (var modifier in modifiers)
        {
            if (addToSet && modifier.Name != "$each")
            {
                throw MongoError.BadValue($"Found unexpected fields after $each in $addToSet: {modifiers}");
            }

            switch (modifier.Name)
            {
                case "$each":
                    break;
                case "$position":
                    position = RequireInteger(modifier.Value, "$position");
                    break;
                case "$slice":
                    slice = RequireInteger(modifier.Value, "$slice");
                    break;
                case "$sort":
                    if (modifier.Value is BsonDocument sortDocument && sortDocument.ElementCount > 0)
                    {
                        sortByFields = SortSpec.Parse(sortDocument);
                    }
                    else if (BsonTypeNames.IsNumber(modifier.Value) && Math.Abs(modifier.Value.ToDouble()) == 1)
                    {
                        sortWhole = modifier.Value.ToDouble() > 0 ? 1 : -1;
                    }
                    else
                    {
                        throw MongoError.BadValue("The $sort is invalid: use 1/-1 to sort the whole element, or {field:1/-1} to sort embedded fields");
                    }

                    break;
                default:
                    throw MongoError.BadValue($"Unrecognized clause in $push: {modifier.Name}");
            }
        }

        return new PushOperation(path, parts, filters, values, position, slice, sortByFields, sortWhole, addToSet);
    }

    private static int RequireInteger(BsonValue value, string modifier)
    {
        if (!BsonTypeNames.IsNumber(value) || value.ToDouble() != Math.Truncate(value.ToDouble()))
        {
            throw MongoError.BadValue($"The value for {modifier} must be an integer value but was given type: {BsonTypeNames.NameOf(value.BsonType)}");
        }

        return (int)Math.Clamp(value.ToDouble(), int.MinValue, int.MaxValue);
    }

    private static Func<BsonValue, bool> CreatePullCondition(BsonValue value)
    {
        switch (value)
        {
            case BsonDocument condition when FilterParser.IsOperatorDocument(condition) && condition.GetElement(0).Name is not ("$and" or "$or" or "$nor"):
                {
                    var filter = Filter.ParseValueCondition(condition);
                    return filter.MatchesValue;
                }
            case BsonDocument query:
                {
                    var filter = Filter.Parse(query);
                    return element => element is BsonDocument document && filter.Matches(document);
                }
            case BsonRegularExpression regex:
                {
                    var predicate = new RegexPredicate(RegexPredicate.Compile(regex.Pattern, regex.Options), regex);
                    return element => predicate.Test(element);
                }
            default:
                return element => BsonOrder.ValuesEqual(element, value);
        }
    }

    private static BitOperation CreateBit(string path, string[] parts, BsonValue value, ArrayFilterSet filters)
    {
        if (value is not BsonDocument spec || spec.ElementCount == 0)
        {
            throw MongoError.BadValue($"The $bit modifier is not compatible with a {BsonTypeNames.NameOf(value.BsonType)}. You must pass in an embedded document: {{$bit: {{field: {{and/or/xor: #}}}}");
        }

        var steps = new List<(string, long)>();
        foreach (var step in spec)
        {
            if (step.Name is not ("and" or "or" or "xor"))
            {
                throw MongoError.BadValue($"The $bit modifier only supports 'and', 'or', and 'xor', not '{step.Name}' which is an unknown operator: {{{step.Name}: {step.Value}}}");
            }

            if (step.Value.BsonType is not (BsonType.Int32 or BsonType.Int64))
            {
                throw MongoError.BadValue($"The $bit modifier field must be an Integer(32/64 bit); a '{BsonTypeNames.NameOf(step.Value.BsonType)}' is not supported here: {{{step.Name}: {step.Value}}}");
            }

            steps.Add((step.Name, step.Value.ToInt64()));
        }

        return new BitOperation(path, parts, filters, [.. steps]);
    }

    private sealed class PathComparer : IComparer<string[]>
    {
        public static readonly PathComparer Instance = new();

        public int Compare(string[]? x, string[]? y)
        {
            int common = Math.Min(x!.Length, y!.Length);
            for (int i = 0; i < common; i++)
            {
                bool xNumber = PathNode.TryParseIndex(x[i], out int xi);
                bool yNumber = PathNode.TryParseIndex(y[i], out int yi);
                int c = xNumber && yNumber ? xi.CompareTo(yi) : BsonOrder.CompareStrings(x[i], y[i]);
                if (c != 0)
                {
                    return c;
                }
            }

            return x.Length.CompareTo(y.Length);
        }
    }
}
