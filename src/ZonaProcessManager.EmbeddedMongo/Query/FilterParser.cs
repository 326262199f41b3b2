using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Aggregation;

namespace ZonaProcessManager.EmbeddedMongo.Query;

internal static class FilterParser
{
    /// <summary>MongoDB refuses deeply nested queries (BSONDepth); we refuse early rather than overflow the stack.</summary>
    private const int MaxDepth = 100;

    /// <param name="orBranches">
    /// Given only for the root: receives, per branch of a top-level $or, what that branch pins by equality, so storage can
    /// answer the $or as a union of index lookups (MongoDB's OR plan).
    /// </param>
    public static MatchNode ParseDocument(BsonDocument filter, Dictionary<string, BsonValue>? equalityPaths, int depth,
        List<IReadOnlyDictionary<string, BsonValue>>? orBranches = null)
    {
        if (depth > MaxDepth)
        {
            throw MongoError.BadValue("exceeded maximum query tree depth of 100");
        }

        var children = new List<MatchNode>(filter.ElementCount);
        foreach (var element in filter)
        {
            if (element.Name.StartsWith('$'))
            {
                var node = ParseTopLevelOperator(element, equalityPaths, depth, orBranches);
                if (node is not null)
                {
                    children.Add(node);
                }

                continue;
            }

            children.Add(ParseField(element.Name, element.Value, equalityPaths, depth));
        }

        return children.Count == 1 ? children[0] : new AndNode([.. children]);
    }

    private static MatchNode? ParseTopLevelOperator(BsonElement element, Dictionary<string, BsonValue>? equalityPaths, int depth,
        List<IReadOnlyDictionary<string, BsonValue>>? orBranches)
    {
        switch (element.Name)
        {
            case "$and":
                return new AndNode(ParseClauses(element, equalityPaths, depth));
            case "$or":
                {
                    var clauses = ParseClauses(element, null, depth, orBranches);
                    return clauses.Length == 1 ? clauses[0] : new OrNode(clauses);
                }
            case "$nor":
                return new NotNode(new OrNode(ParseClauses(element, null, depth)));
            case "$comment":
                return null;
            case "$expr":
                {
                    var expression = ExpressionParser.Parse(element.Value);
                    return new DelegateNode(document => ExpressionEvaluator.IsTruthy(expression.Evaluate(new EvaluationContext(document))));
                }
            case "$jsonSchema":
                {
                    if (element.Value is not BsonDocument schemaDocument)
                    {
                        throw MongoError.TypeMismatch("$jsonSchema must be an object");
                    }

                    var schema = Validation.JsonSchema.Parse(schemaDocument);
                    return new DelegateNode(document => schema.Validate(document) is null);
                }
            case "$alwaysTrue":
                return new ConstantNode(true);
            case "$alwaysFalse":
                return new ConstantNode(false);
            case "$where":
                throw new MongoError(2, "BadValue", "$where is not supported by the embedded server (no JavaScript engine)");
            case "$text":
                throw new MongoError(27, "IndexNotFound", "text index required for $text query");
            default:
                throw MongoError.BadValue($"unknown top level operator: {element.Name}. If you have a field name that starts with a '$' symbol, consider using $getField or $setField.");
        }
    }

    /// <param name="perClauseEqualities">When given, each clause's equalities are collected on their own into it.</param>
    private static MatchNode[] ParseClauses(BsonElement element, Dictionary<string, BsonValue>? equalityPaths, int depth,
        List<IReadOnlyDictionary<string, BsonValue>>? perClauseEqualities = null)
    {
        if (element.Value is not BsonArray clauses || clauses.Count == 0)
        {
            throw MongoError.BadValue($"{element.Name} must be a nonempty array");
        }

        var nodes = new MatchNode[clauses.Count];
        for (int i = 0; i < clauses.Count; i++)
        {
            if (clauses[i] is not BsonDocument clause)
            {
                throw MongoError.BadValue($"{element.Name} argument's entries must be objects");
            }

            if (perClauseEqualities is null)
            {
                nodes[i] = ParseDocument(clause, equalityPaths, depth + 1);
                continue;
            }

            var clauseEqualities = new Dictionary<string, BsonValue>(StringComparer.Ordinal);
            nodes[i] = ParseDocument(clause, clauseEqualities, depth + 1);
            perClauseEqualities.Add(clauseEqualities);
        }

        return nodes;
    }

    private static MatchNode ParseField(string name, BsonValue value, Dictionary<string, BsonValue>? equalityPaths, int depth)
    {
        var path = SplitPath(name);
        if (value is BsonDocument operators && IsOperatorDocument(operators))
        {
            if (equalityPaths is not null && operators.ElementCount == 1 && operators.GetElement(0).Name == "$eq"
                && !ContainsOperatorKeys(operators[0]))
            {
                equalityPaths.TryAdd(name, operators[0]);
            }

            return ParseOperators(path, name, operators, depth);
        }

        if (value is BsonRegularExpression regex)
        {
            return new PathNode(path, new RegexPredicate(RegexPredicate.Compile(regex.Pattern, regex.Options), regex));
        }

        if (equalityPaths is not null)
        {
            equalityPaths.TryAdd(name, value);
        }

        return new PathNode(path, new EqualsPredicate(value));
    }

    private static bool ContainsOperatorKeys(BsonValue value) => value is BsonDocument document && IsOperatorDocument(document);

    /// <summary>MongoDB decides by the first key: {$gt: 1} is an operator document, {a: 1} a literal to compare with.</summary>
    internal static bool IsOperatorDocument(BsonDocument document) =>
        document.ElementCount > 0 && document.GetElement(0).Name.StartsWith('$');

    internal static string[] SplitPath(string name)
    {
        if (name.Length == 0)
        {
            return [""];
        }

        var parts = name.Split('.');
        foreach (var part in parts)
        {
            if (part.Length == 0)
            {
                throw MongoError.BadValue($"FieldPath field names may not be empty strings: '{name}'");
            }
        }

        return parts;
    }

    public static MatchNode ParseOperators(string[] path, string name, BsonDocument operators, int depth)
    {
        if (depth > MaxDepth)
        {
            throw MongoError.BadValue("exceeded maximum query tree depth of 100");
        }

        var nodes = new List<MatchNode>(operators.ElementCount);
        BsonValue? regexPattern = null;
        string? regexOptions = null;
        foreach (var element in operators)
        {
            var operand = element.Value;
            switch (element.Name)
            {
                case "$eq":
                    nodes.Add(new PathNode(path, new EqualsPredicate(operand)));
                    break;
                case "$ne":
                    RejectRegex(operand, "$ne");
                    nodes.Add(new NotNode(new PathNode(path, new EqualsPredicate(operand))));
                    break;
                case "$gt":
                    nodes.Add(new PathNode(path, new ComparisonPredicate(ComparisonKind.GreaterThan, operand)));
                    break;
                case "$gte":
                    nodes.Add(new PathNode(path, new ComparisonPredicate(ComparisonKind.GreaterOrEqual, operand)));
                    break;
                case "$lt":
                    nodes.Add(new PathNode(path, new ComparisonPredicate(ComparisonKind.LessThan, operand)));
                    break;
                case "$lte":
                    nodes.Add(new PathNode(path, new ComparisonPredicate(ComparisonKind.LessOrEqual, operand)));
                    break;
                case "$in":
                    nodes.Add(new PathNode(path, new InPredicate(RequireInArray(operand, "$in"))));
                    break;
                case "$nin":
                    nodes.Add(new NotNode(new PathNode(path, new InPredicate(RequireInArray(operand, "$nin")))));
                    break;
                case "$exists":
                    {
                        var exists = new PathNode(path, ExistsPredicate.Instance);
                        nodes.Add(ExpressionEvaluator.IsTruthy(operand) ? exists : new NotNode(exists));
                        break;
                    }
                case "$type":
                    nodes.Add(new PathNode(path, new TypePredicate(ParseTypes(operand))));
                    break;
                case "$size":
                    nodes.Add(new PathNode(path, new SizePredicate(ParseSize(operand))));
                    break;
                case "$mod":
                    nodes.Add(new PathNode(path, ParseMod(operand)));
                    break;
                case "$regex":
                    if (operand is not (BsonString or BsonRegularExpression))
                    {
                        throw MongoError.BadValue("$regex has to be a string");
                    }

                    regexPattern = operand;
                    break;
                case "$options":
                    if (operand is not BsonString optionsString)
                    {
                        throw MongoError.BadValue("$options has to be a string");
                    }

                    regexOptions = optionsString.Value;
                    break;
                case "$all":
                    nodes.Add(ParseAll(path, operand, depth));
                    break;
                case "$elemMatch":
                    nodes.Add(new PathNode(path, ParseElemMatch(operand, depth)));
                    break;
                case "$not":
                    nodes.Add(new NotNode(ParseNot(path, name, operand, depth)));
                    break;
                case "$comment":
                    break;
                default:
                    throw MongoError.BadValue($"unknown operator: {element.Name}");
            }
        }

        if (regexOptions is not null && regexPattern is null)
        {
            throw MongoError.BadValue("$options needs a $regex");
        }

        if (regexPattern is not null)
        {
            nodes.Add(new PathNode(path, BuildRegex(regexPattern, regexOptions)));
        }

        return nodes.Count == 1 ? nodes[0] : new AndNode([.. nodes]);
    }

    private static RegexPredicate BuildRegex(BsonValue pattern, string? options)
    {
        BsonRegularExpression regex;
        if (pattern is BsonRegularExpression literal)
        {
            if (options is not null && literal.Options.Length > 0)
            {
                throw new MongoError(51075, "Location51075", "options set in both $regex and $options");
            }

            regex = new BsonRegularExpression(literal.Pattern, options ?? literal.Options);
        }
        else
        {
            var text = pattern.AsString;
            if (text.Contains('\0'))
            {
                throw MongoError.BadValue("Regular expression cannot contain an embedded null byte");
            }

            regex = new BsonRegularExpression(text, options ?? "");
        }

        return new RegexPredicate(RegexPredicate.Compile(regex.Pattern, regex.Options), regex);
    }

    private static void RejectRegex(BsonValue operand, string operatorName)
    {
        if (operand is BsonRegularExpression)
        {
            throw MongoError.BadValue($"Can't have regex as arg to {operatorName}.");
        }
    }

    private static BsonArray RequireInArray(BsonValue operand, string operatorName)
    {
        if (operand is not BsonArray array)
        {
            throw MongoError.BadValue($"{operatorName} needs an array");
        }

        foreach (var value in array)
        {
            if (value is BsonDocument document && IsOperatorDocument(document))
            {
                throw MongoError.BadValue($"cannot nest $ under {operatorName}");
            }
        }

        return array;
    }

    internal static BsonType[] ParseTypes(BsonValue operand)
    {
        if (operand is BsonArray array)
        {
            var all = new List<BsonType>();
            foreach (var item in array)
            {
                all.AddRange(ParseTypes(item));
            }

            return [.. all];
        }

        if (operand is BsonString name)
        {
            if (BsonTypeNames.TryResolve(name.Value, out var types))
            {
                return types;
            }

            throw MongoError.BadValue($"Unknown type name alias: {name.Value}");
        }

        if (BsonTypeNames.IsNumber(operand))
        {
            double number = operand.ToDouble();
            if (number == Math.Truncate(number) && BsonTypeNames.TryResolve((int)number, out var type))
            {
                return [type];
            }

            throw MongoError.BadValue($"Invalid numerical type code: {operand}");
        }

        throw MongoError.TypeMismatch("type must be represented as a number or a string");
    }

    private static int ParseSize(BsonValue operand)
    {
        if (!BsonTypeNames.IsNumber(operand))
        {
            throw MongoError.BadValue("$size needs a number");
        }

        double size = operand.ToDouble();
        if (size != Math.Truncate(size))
        {
            throw MongoError.BadValue("$size must be a whole number");
        }

        if (size < 0)
        {
            throw MongoError.BadValue("$size may not be negative");
        }

        return size > int.MaxValue ? int.MaxValue : (int)size;
    }

    private static ModPredicate ParseMod(BsonValue operand)
    {
        if (operand is not BsonArray array)
        {
            throw MongoError.BadValue("malformed mod, needs to be an array");
        }

        if (array.Count < 2)
        {
            throw MongoError.BadValue("malformed mod, not enough elements");
        }

        if (array.Count > 2)
        {
            throw MongoError.BadValue("malformed mod, too many elements");
        }

        if (!BsonTypeNames.IsNumber(array[0]) || !BsonTypeNames.IsNumber(array[1]))
        {
            throw MongoError.BadValue("malformed mod, divisor and remainder must be numbers");
        }

        long divisor = (long)Math.Truncate(array[0].ToDouble());
        long remainder = (long)Math.Truncate(array[1].ToDouble());
        if (divisor == 0)
        {
            throw MongoError.BadValue("divisor cannot be 0");
        }

        return new ModPredicate(divisor, remainder);
    }

    private static MatchNode ParseAll(string[] path, BsonValue operand, int depth)
    {
        if (operand is not BsonArray values)
        {
            throw MongoError.BadValue("$all needs an array");
        }

        if (values.Count == 0)
        {
            return new ConstantNode(false);
        }

        var nodes = new MatchNode[values.Count];
        for (int i = 0; i < values.Count; i++)
        {
            var value = values[i];
            if (value is BsonDocument document && document.ElementCount > 0 && document.GetElement(0).Name == "$elemMatch")
            {
                nodes[i] = new PathNode(path, ParseElemMatch(document[0], depth));
            }
            else if (value is BsonDocument operatorDocument && IsOperatorDocument(operatorDocument))
            {
                throw MongoError.BadValue("no $ expressions in $all");
            }
            else if (value is BsonRegularExpression regex)
            {
                nodes[i] = new PathNode(path, new RegexPredicate(RegexPredicate.Compile(regex.Pattern, regex.Options), regex));
            }
            else
            {
                nodes[i] = new PathNode(path, new EqualsPredicate(value));
            }
        }

        return nodes.Length == 1 ? nodes[0] : new AndNode(nodes);
    }

    private static ElemMatchPredicate ParseElemMatch(BsonValue operand, int depth)
    {
        if (operand is not BsonDocument query)
        {
            throw MongoError.BadValue("$elemMatch needs an Object");
        }

        // {$elemMatch: {$gt: 1}} tests elements themselves; {$elemMatch: {a: 1}} or logical operators test element documents.
        bool valueForm = IsOperatorDocument(query) && query.GetElement(0).Name is not ("$and" or "$or" or "$nor" or "$expr" or "$where");
        return valueForm
            ? new ElemMatchPredicate(ParseOperators([], "", query, depth + 1), documentsOnly: false)
            : new ElemMatchPredicate(ParseDocument(query, null, depth + 1), documentsOnly: true);
    }

    private static MatchNode ParseNot(string[] path, string name, BsonValue operand, int depth)
    {
        switch (operand)
        {
            case BsonRegularExpression regex:
                return new PathNode(path, new RegexPredicate(RegexPredicate.Compile(regex.Pattern, regex.Options), regex));
            case BsonDocument document when document.ElementCount == 0:
                throw MongoError.BadValue("$not cannot be empty");
            case BsonDocument document when IsOperatorDocument(document):
                return ParseOperators(path, name, document, depth + 1);
            default:
                throw MongoError.BadValue("$not needs a regex or a document");
        }
    }
}
