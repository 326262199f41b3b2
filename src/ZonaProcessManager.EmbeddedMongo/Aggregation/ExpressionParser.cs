using System.Globalization;
using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Query;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

internal static class ExpressionParser
{
    private delegate BsonValue? Body(EvaluationContext context, Expression[] args);

    private static readonly Dictionary<string, (int MinArgs, int MaxArgs, Body Body)> Operators = BuildOperators();

    public static Expression Parse(BsonValue value) => Parse(value, 0);

    private static Expression Parse(BsonValue value, int depth)
    {
        if (depth > 150)
        {
            throw MongoError.BadValue("expression nested too deeply");
        }

        switch (value)
        {
            case BsonString s when s.Value.StartsWith("$$", StringComparison.Ordinal):
                {
                    var parts = s.Value[2..].Split('.');
                    if (parts[0].Length == 0)
                    {
                        throw MongoError.BadValue("empty variable name");
                    }

                    return new FieldPathExpression(parts[0], parts[1..]);
                }
            case BsonString s when s.Value.StartsWith('$'):
                {
                    if (s.Value.Length == 1)
                    {
                        throw new MongoError(16872, "Location16872", "'$' by itself is not a valid FieldPath");
                    }

                    var parts = s.Value[1..].Split('.');
                    if (Array.Exists(parts, p => p.Length == 0))
                    {
                        throw new MongoError(15998, "Location15998", $"FieldPath field names may not be empty strings: '{s.Value}'");
                    }

                    return new FieldPathExpression(null, parts);
                }
            case BsonArray array:
                {
                    var items = new Expression[array.Count];
                    for (int i = 0; i < array.Count; i++)
                    {
                        items[i] = Parse(array[i], depth + 1);
                    }

                    return new ArrayExpression(items);
                }
            case BsonDocument document when document.ElementCount > 0 && document.GetElement(0).Name.StartsWith('$'):
                {
                    if (document.ElementCount > 1)
                    {
                        throw new MongoError(15983, "Location15983", $"An object representing an expression must have exactly one field: {document}");
                    }

                    return ParseOperator(document.GetElement(0), depth);
                }
            case BsonDocument document:
                {
                    var fields = new List<(string, Expression)>(document.ElementCount);
                    foreach (var element in document)
                    {
                        if (element.Name.Contains('.'))
                        {
                            throw new MongoError(16412, "Location16412", $"FieldPath field names may not contain '.'. Consider using $getField or $setField. Got: '{element.Name}'");
                        }

                        fields.Add((element.Name, Parse(element.Value, depth + 1)));
                    }

                    return new ObjectExpression(fields);
                }
            default:
                return new ConstantExpression(value);
        }
    }

    private static Expression ParseOperator(BsonElement element, int depth)
    {
        string name = element.Name;
        switch (name)
        {
            case "$literal":
            case "$const":
                return new ConstantExpression(element.Value);
            case "$cond" when element.Value is BsonDocument condDocument:
                return Build(name, [Parse(Require(condDocument, "if", name), depth + 1), Parse(Require(condDocument, "then", name), depth + 1), Parse(Require(condDocument, "else", name), depth + 1)]);
            case "$switch":
                return ParseSwitch(element.Value, depth);
            case "$let":
                return ParseLet(element.Value, depth);
            case "$getField":
                return FieldOperators.ParseGetField(element.Value, v => Parse(v, depth + 1));
            case "$setField":
                return FieldOperators.ParseSetField(element.Value, v => Parse(v, depth + 1), removeOnly: false);
            case "$unsetField":
                return FieldOperators.ParseSetField(element.Value, v => Parse(v, depth + 1), removeOnly: true);
            case "$map":
            case "$filter":
                return ParseIteration(name, element.Value, depth);
            case "$reduce":
                return ParseReduce(element.Value, depth);
        }

        if (!Operators.ContainsKey(name))
        {
            throw new MongoError(168, "InvalidPipelineOperator", $"Unrecognized expression '{name}'");
        }

        Expression[] args = element.Value is BsonArray array
            ? [.. array.Select(a => Parse(a, depth + 1))]
            : [Parse(element.Value, depth + 1)];
        return Build(name, args);
    }

    private static BsonValue Require(BsonDocument document, string field, string operatorName) =>
        document.TryGetValue(field, out var value)
            ? value
            : throw new MongoError(17080, "Location17080", $"Missing '{field}' parameter to {operatorName}");

    private static OperatorExpression Build(string name, Expression[] args)
    {
        var (min, max, body) = Operators[name];
        if (args.Length < min || args.Length > max)
        {
            string expected = min == max ? min.ToString(CultureInfo.InvariantCulture) : $"{min} to {max}";
            throw new MongoError(16020, "Location16020", $"Expression {name} takes exactly {expected} arguments. {args.Length} were passed in.");
        }

        return new OperatorExpression(name, args, (context, a) => body(context, a));
    }

    private static Expression ParseSwitch(BsonValue value, int depth)
    {
        if (value is not BsonDocument spec || !spec.TryGetValue("branches", out var branchesValue) || branchesValue is not BsonArray branches)
        {
            throw new MongoError(40060, "Location40060", "$switch requires at least one branch.");
        }

        var cases = new List<(Expression When, Expression Then)>();
        foreach (var branch in branches)
        {
            if (branch is not BsonDocument b)
            {
                throw new MongoError(40061, "Location40061", "$switch expected each branch to be an object");
            }

            cases.Add((Parse(Require(b, "case", "$switch"), depth + 1), Parse(Require(b, "then", "$switch"), depth + 1)));
        }

        var fallback = spec.TryGetValue("default", out var defaultValue) ? Parse(defaultValue, depth + 1) : null;
        return new OperatorExpression("$switch", [], (context, _) =>
        {
            foreach (var (when, then) in cases)
            {
                if (ExpressionEvaluator.IsTruthy(when.Evaluate(context)))
                {
                    return then.Evaluate(context);
                }
            }

            return fallback is not null
                ? fallback.Evaluate(context)
                : throw new MongoError(40066, "Location40066", "$switch could not find a matching branch for an input, and no default was specified.");
        });
    }

    private static Expression ParseLet(BsonValue value, int depth)
    {
        if (value is not BsonDocument spec || Require(spec, "vars", "$let") is not BsonDocument vars)
        {
            throw new MongoError(16874, "Location16874", "$let only supports an object as its argument");
        }

        var bindings = vars.Select(v => (v.Name, Parse(v.Value, depth + 1))).ToArray();
        var inExpression = Parse(Require(spec, "in", "$let"), depth + 1);
        return new OperatorExpression("$let", [], (context, _) =>
        {
            var scope = context;
            foreach (var (name, expression) in bindings)
            {
                scope = scope.With(name, expression.Evaluate(context) ?? BsonNull.Value);
            }

            return inExpression.Evaluate(scope);
        });
    }

    private static Expression ParseIteration(string name, BsonValue value, int depth)
    {
        if (value is not BsonDocument spec)
        {
            throw new MongoError(16878, "Location16878", $"{name} only supports an object as its argument");
        }

        var input = Parse(Require(spec, "input", name), depth + 1);
        string variable = spec.TryGetValue("as", out var asValue) ? asValue.AsString : "this";
        var body = Parse(Require(spec, name == "$map" ? "in" : "cond", name), depth + 1);
        return new OperatorExpression(name, [], (context, _) =>
        {
            var source = input.Evaluate(context);
            if (ExpressionEvaluator.IsNullish(source))
            {
                return BsonNull.Value;
            }

            if (source is not BsonArray array)
            {
                throw new MongoError(28651, "Location28651", $"input to {name} must be an array not {source!.BsonType}");
            }

            var result = new BsonArray();
            foreach (var item in array)
            {
                var evaluated = body.Evaluate(context.With(variable, item));
                if (name == "$map")
                {
                    result.Add(evaluated ?? BsonNull.Value);
                }
                else if (ExpressionEvaluator.IsTruthy(evaluated))
                {
                    result.Add(item);
                }
            }

            return result;
        });
    }

    private static Expression ParseReduce(BsonValue value, int depth)
    {
        if (value is not BsonDocument spec)
        {
            throw new MongoError(40075, "Location40075", "$reduce only supports an object as its argument");
        }

        var input = Parse(Require(spec, "input", "$reduce"), depth + 1);
        var initial = Parse(Require(spec, "initialValue", "$reduce"), depth + 1);
        var body = Parse(Require(spec, "in", "$reduce"), depth + 1);
        return new OperatorExpression("$reduce", [], (context, _) =>
        {
            var source = input.Evaluate(context);
            if (ExpressionEvaluator.IsNullish(source))
            {
                return BsonNull.Value;
            }

            if (source is not BsonArray array)
            {
                throw new MongoError(40080, "Location40080", $"$reduce requires that 'input' be an array, found: {source!.BsonType}");
            }

            var accumulated = initial.Evaluate(context) ?? BsonNull.Value;
            foreach (var item in array)
            {
                accumulated = body.Evaluate(context.With("this", item).With("value", accumulated)) ?? BsonNull.Value;
            }

            return accumulated;
        });
    }

    private static BsonValue?[] EvaluateAll(EvaluationContext context, Expression[] args)
    {
        var values = new BsonValue?[args.Length];
        for (int i = 0; i < args.Length; i++)
        {
            values[i] = args[i].Evaluate(context);
        }

        return values;
    }

    private static BsonValue RequireNumber(BsonValue value, string operatorName, int code) =>
        BsonTypeNames.IsNumber(value)
            ? value
            : throw new MongoError(code, $"Location{code}", $"{operatorName} only supports numeric types, not {BsonTypeNames.NameOf(value.BsonType)}");

    private static string RequireString(BsonValue value, string operatorName, int code) =>
        value is BsonString s
            ? s.Value
            : throw new MongoError(code, $"Location{code}", $"{operatorName} only supports strings, not {BsonTypeNames.NameOf(value.BsonType)}");

    private static BsonArray RequireArray(BsonValue? value, string operatorName, int code) =>
        value as BsonArray
            ?? throw new MongoError(code, $"Location{code}", $"The argument to {operatorName} must be an array, but was of type: {(value is null ? "missing" : BsonTypeNames.NameOf(value.BsonType))}");

    private static string ToText(BsonValue value) => value switch
    {
        BsonString s => s.Value,
        BsonInt32 or BsonInt64 or BsonDecimal128 => value.ToString()!,
        BsonDouble d => d.Value.ToString("R", CultureInfo.InvariantCulture),
        BsonBoolean b => b.Value ? "true" : "false",
        BsonDateTime dt => dt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        BsonObjectId oid => oid.Value.ToString(),
        _ => throw new MongoError(241, "ConversionFailure", $"Unsupported conversion from {BsonTypeNames.NameOf(value.BsonType)} to string"),
    };

    private static Dictionary<string, (int, int, Body)> BuildOperators()
    {
        var ops = new Dictionary<string, (int, int, Body)>(StringComparer.Ordinal);

        void Comparison(string name, Func<int, bool> test) =>
            ops[name] = (2, 2, (c, a) => new BsonBoolean(test(ExpressionEvaluator.Compare(a[0].Evaluate(c), a[1].Evaluate(c)))));

        Comparison("$eq", r => r == 0);
        Comparison("$ne", r => r != 0);
        Comparison("$gt", r => r > 0);
        Comparison("$gte", r => r >= 0);
        Comparison("$lt", r => r < 0);
        Comparison("$lte", r => r <= 0);
        ops["$cmp"] = (2, 2, (c, a) => new BsonInt32(Math.Sign(ExpressionEvaluator.Compare(a[0].Evaluate(c), a[1].Evaluate(c)))));

        ops["$and"] = (0, int.MaxValue, (c, a) => new BsonBoolean(a.All(e => ExpressionEvaluator.IsTruthy(e.Evaluate(c)))));
        ops["$or"] = (0, int.MaxValue, (c, a) => new BsonBoolean(a.Any(e => ExpressionEvaluator.IsTruthy(e.Evaluate(c)))));
        ops["$not"] = (1, 1, (c, a) => new BsonBoolean(!ExpressionEvaluator.IsTruthy(a[0].Evaluate(c))));

        ops["$cond"] = (3, 3, (c, a) => ExpressionEvaluator.IsTruthy(a[0].Evaluate(c)) ? a[1].Evaluate(c) : a[2].Evaluate(c));
        ops["$ifNull"] = (2, int.MaxValue, (c, a) =>
        {
            for (int i = 0; i < a.Length - 1; i++)
            {
                var value = a[i].Evaluate(c);
                if (!ExpressionEvaluator.IsNullish(value))
                {
                    return value;
                }
            }

            return a[^1].Evaluate(c);
        }
        );

        ops["$add"] = (0, int.MaxValue, (c, a) =>
        {
            BsonValue total = new BsonInt32(0);
            long? dateMillis = null;
            foreach (var value in EvaluateAll(c, a))
            {
                if (ExpressionEvaluator.IsNullish(value))
                {
                    return BsonNull.Value;
                }

                if (value is BsonDateTime date)
                {
                    if (dateMillis is not null)
                    {
                        throw new MongoError(16612, "Location16612", "only one date allowed in an $add expression");
                    }

                    dateMillis = date.MillisecondsSinceEpoch;
                    continue;
                }

                total = Numeric.Combine(total, RequireNumber(value!, "$add", 16554), multiply: false)!;
            }

            return dateMillis is null ? total : new BsonDateTime(dateMillis.Value + (long)Math.Round(total.ToDouble()));
        }
        );
        ops["$multiply"] = (0, int.MaxValue, (c, a) =>
        {
            BsonValue product = new BsonInt32(1);
            foreach (var value in EvaluateAll(c, a))
            {
                if (ExpressionEvaluator.IsNullish(value))
                {
                    return BsonNull.Value;
                }

                product = Numeric.Combine(product, RequireNumber(value!, "$multiply", 16555), multiply: true)!;
            }

            return product;
        }
        );
        ops["$subtract"] = (2, 2, (c, a) =>
        {
            var x = a[0].Evaluate(c);
            var y = a[1].Evaluate(c);
            if (ExpressionEvaluator.IsNullish(x) || ExpressionEvaluator.IsNullish(y))
            {
                return BsonNull.Value;
            }

            if (x is BsonDateTime dx && y is BsonDateTime dy)
            {
                return new BsonInt64(dx.MillisecondsSinceEpoch - dy.MillisecondsSinceEpoch);
            }

            if (x is BsonDateTime date && BsonTypeNames.IsNumber(y!))
            {
                return new BsonDateTime(date.MillisecondsSinceEpoch - (long)Math.Round(y!.ToDouble()));
            }

            if (!BsonTypeNames.IsNumber(x!) || !BsonTypeNames.IsNumber(y!))
            {
                throw new MongoError(16556, "Location16556", $"cant $subtract a {BsonTypeNames.NameOf(y!.BsonType)} from a {BsonTypeNames.NameOf(x!.BsonType)}");
            }

            return Numeric.Combine(x!, Numeric.Negate(y!), multiply: false)!;
        }
        );
        ops["$divide"] = (2, 2, (c, a) =>
        {
            var x = a[0].Evaluate(c);
            var y = a[1].Evaluate(c);
            if (ExpressionEvaluator.IsNullish(x) || ExpressionEvaluator.IsNullish(y))
            {
                return BsonNull.Value;
            }

            return Numeric.Divide(RequireNumber(x!, "$divide", 16609), RequireNumber(y!, "$divide", 16609));
        }
        );
        ops["$mod"] = (2, 2, (c, a) =>
        {
            var x = a[0].Evaluate(c);
            var y = a[1].Evaluate(c);
            if (ExpressionEvaluator.IsNullish(x) || ExpressionEvaluator.IsNullish(y))
            {
                return BsonNull.Value;
            }

            return Numeric.Modulo(RequireNumber(x!, "$mod", 16611), RequireNumber(y!, "$mod", 16611));
        }
        );

        void Unary(string name, Func<double, double> math) => ops[name] = (1, 1, (c, a) =>
        {
            var x = a[0].Evaluate(c);
            if (ExpressionEvaluator.IsNullish(x))
            {
                return BsonNull.Value;
            }

            var number = RequireNumber(x!, name, 28765);
            return number.BsonType is BsonType.Int32 or BsonType.Int64 && name != "$abs"
                ? number
                : number.BsonType switch
                {
                    BsonType.Int32 => new BsonInt32((int)math(number.AsInt32)),
                    BsonType.Int64 => new BsonInt64((long)math(number.AsInt64)),
                    _ => new BsonDouble(math(number.ToDouble())),
                };
        }
        );
        Unary("$abs", Math.Abs);
        Unary("$ceil", Math.Ceiling);
        Unary("$floor", Math.Floor);
        Unary("$trunc", Math.Truncate);

        ops["$concat"] = (0, int.MaxValue, (c, a) =>
        {
            var builder = new System.Text.StringBuilder();
            foreach (var value in EvaluateAll(c, a))
            {
                if (ExpressionEvaluator.IsNullish(value))
                {
                    return BsonNull.Value;
                }

                builder.Append(value is BsonString s
                    ? s.Value
                    : throw new MongoError(16702, "Location16702", $"$concat only supports strings, not {BsonTypeNames.NameOf(value!.BsonType)}"));
            }

            return new BsonString(builder.ToString());
        }
        );
        ops["$toLower"] = (1, 1, (c, a) => a[0].Evaluate(c) is { } v && !ExpressionEvaluator.IsNullish(v) ? new BsonString(ToText(v).ToLowerInvariant()) : new BsonString(""));
        ops["$toUpper"] = (1, 1, (c, a) => a[0].Evaluate(c) is { } v && !ExpressionEvaluator.IsNullish(v) ? new BsonString(ToText(v).ToUpperInvariant()) : new BsonString(""));
        ops["$strLenCP"] = (1, 1, (c, a) =>
        {
            var text = RequireString(a[0].Evaluate(c) ?? BsonNull.Value, "$strLenCP", 34471);
            return new BsonInt32(text.EnumerateRunes().Count());
        }
        );
        ops["$split"] = (2, 2, (c, a) =>
        {
            var x = a[0].Evaluate(c);
            if (ExpressionEvaluator.IsNullish(x))
            {
                return BsonNull.Value;
            }

            var text = RequireString(x!, "$split", 40085);
            var separator = RequireString(a[1].Evaluate(c) ?? BsonNull.Value, "$split", 40086);
            if (separator.Length == 0)
            {
                throw new MongoError(40087, "Location40087", "$split requires a non-empty separator");
            }

            return new BsonArray(text.Split(separator).Select(p => new BsonString(p)));
        }
        );
        ops["$substrCP"] = (3, 3, (c, a) =>
        {
            var x = a[0].Evaluate(c);
            if (ExpressionEvaluator.IsNullish(x))
            {
                return new BsonString("");
            }

            var text = ToText(x!);
            int start = (int)a[1].Evaluate(c)!.ToDouble();
            int length = (int)a[2].Evaluate(c)!.ToDouble();
            start = Math.Clamp(start, 0, text.Length);
            length = Math.Clamp(length, 0, text.Length - start);
            return new BsonString(text.Substring(start, length));
        }
        );
        ops["$substr"] = ops["$substrCP"];
        ops["$trim"] = (1, 1, (c, a) =>
        {
            if (a[0].Evaluate(c) is not BsonDocument spec || !spec.TryGetValue("input", out var input))
            {
                throw new MongoError(50696, "Location50696", "$trim requires an 'input' parameter");
            }

            return ExpressionEvaluator.IsNullish(input) ? BsonNull.Value : new BsonString(RequireString(input, "$trim", 50699).Trim());
        }
        );

        ops["$size"] = (1, 1, (c, a) =>
        {
            var value = a[0].Evaluate(c);
            return value is BsonArray array
                ? new BsonInt32(array.Count)
                : throw new MongoError(17124, "Location17124", $"The argument to $size must be an array. Type of the argument: {(value is null ? "missing" : BsonTypeNames.NameOf(value.BsonType))}");
        }
        );
        ops["$in"] = (2, 2, (c, a) =>
        {
            var needle = a[0].Evaluate(c) ?? BsonUndefined.Value;
            var haystack = a[1].Evaluate(c);
            if (haystack is not BsonArray array)
            {
                throw new MongoError(40081, "Location40081", $"$in requires an array as a second argument, found: {(haystack is null ? "missing" : BsonTypeNames.NameOf(haystack.BsonType))}");
            }

            return new BsonBoolean(array.Any(item => BsonOrder.ValuesEqual(item, needle)));
        }
        );
        ops["$isArray"] = (1, 1, (c, a) => new BsonBoolean(a[0].Evaluate(c) is BsonArray));
        ops["$arrayElemAt"] = (2, 2, (c, a) =>
        {
            var source = a[0].Evaluate(c);
            var index = a[1].Evaluate(c);
            if (ExpressionEvaluator.IsNullish(source) || ExpressionEvaluator.IsNullish(index))
            {
                return BsonNull.Value;
            }

            var array = RequireArray(source, "$arrayElemAt", 28689);
            int i = (int)RequireNumber(index!, "$arrayElemAt", 28690).ToInt64();
            if (i < 0)
            {
                i += array.Count;
            }

            return i >= 0 && i < array.Count ? array[i] : null;
        }
        );
        ops["$first"] = (1, 1, (c, a) => a[0].Evaluate(c) is var v && ExpressionEvaluator.IsNullish(v) ? BsonNull.Value : RequireArray(v, "$first", 28689) is { Count: > 0 } arr ? arr[0] : null);
        ops["$last"] = (1, 1, (c, a) => a[0].Evaluate(c) is var v && ExpressionEvaluator.IsNullish(v) ? BsonNull.Value : RequireArray(v, "$last", 28689) is { Count: > 0 } arr ? arr[^1] : null);
        ops["$concatArrays"] = (0, int.MaxValue, (c, a) =>
        {
            var result = new BsonArray();
            foreach (var value in EvaluateAll(c, a))
            {
                if (ExpressionEvaluator.IsNullish(value))
                {
                    return BsonNull.Value;
                }

                result.AddRange(RequireArray(value, "$concatArrays", 28664));
            }

            return result;
        }
        );
        ops["$mergeObjects"] = (0, int.MaxValue, (c, a) =>
        {
            var result = new BsonDocument();
            foreach (var value in EvaluateAll(c, a))
            {
                if (ExpressionEvaluator.IsNullish(value))
                {
                    continue;
                }

                if (value is not BsonDocument document)
                {
                    throw new MongoError(40400, "Location40400", $"$mergeObjects requires object inputs, but input {value} is of type {BsonTypeNames.NameOf(value!.BsonType)}");
                }

                foreach (var element in document)
                {
                    result[element.Name] = element.Value;
                }
            }

            return result;
        }
        );
        ops["$type"] = (1, 1, (c, a) => new BsonString(a[0].Evaluate(c) is { } v ? BsonTypeNames.NameOf(v.BsonType) : "missing"));
        ops["$toString"] = (1, 1, (c, a) => a[0].Evaluate(c) is { } v && !ExpressionEvaluator.IsNullish(v) ? new BsonString(ToText(v)) : BsonNull.Value);
        ops["$toBool"] = (1, 1, (c, a) => a[0].Evaluate(c) is { } v && !ExpressionEvaluator.IsNullish(v) ? new BsonBoolean(ExpressionEvaluator.IsTruthy(v)) : BsonNull.Value);
        ops["$toInt"] = (1, 1, (c, a) => ConvertNumber(a[0].Evaluate(c), v => new BsonInt32(checked((int)v))));
        ops["$toLong"] = (1, 1, (c, a) => ConvertNumber(a[0].Evaluate(c), v => new BsonInt64(checked((long)v))));
        ops["$toDouble"] = (1, 1, (c, a) => ConvertNumber(a[0].Evaluate(c), v => new BsonDouble(v)));

        // In $project/$addFields these take either several arguments or one array, e.g. {$max: "$scores"}.
        ops["$sum"] = (0, int.MaxValue, (c, a) =>
        {
            BsonValue total = new BsonInt32(0);
            foreach (var value in Operands(c, a))
            {
                if (BsonTypeNames.IsNumber(value))
                {
                    total = Numeric.Combine(total, value, multiply: false)!;
                }
            }

            return total;
        }
        );
        ops["$avg"] = (0, int.MaxValue, (c, a) =>
        {
            BsonValue total = new BsonInt32(0);
            long count = 0;
            foreach (var value in Operands(c, a))
            {
                if (BsonTypeNames.IsNumber(value))
                {
                    total = Numeric.Combine(total, value, multiply: false)!;
                    count++;
                }
            }

            return count == 0 ? BsonNull.Value : Numeric.Divide(total, new BsonInt64(count));
        }
        );
        ops["$min"] = (0, int.MaxValue, (c, a) => Extreme(Operands(c, a), max: false));
        ops["$max"] = (0, int.MaxValue, (c, a) => Extreme(Operands(c, a), max: true));

        void DatePart(string name, Func<DateTime, int> part) => ops[name] = (1, 1, (c, a) =>
        {
            var value = a[0].Evaluate(c);
            if (ExpressionEvaluator.IsNullish(value))
            {
                return BsonNull.Value;
            }

            return value is BsonDateTime date
                ? new BsonInt32(part(date.ToUniversalTime()))
                : throw new MongoError(16006, "Location16006", $"can't convert from BSON type {BsonTypeNames.NameOf(value!.BsonType)} to Date");
        }
        );
        DatePart("$year", d => d.Year);
        DatePart("$month", d => d.Month);
        DatePart("$dayOfMonth", d => d.Day);
        DatePart("$dayOfYear", d => d.DayOfYear);
        DatePart("$dayOfWeek", d => (int)d.DayOfWeek + 1);
        DatePart("$hour", d => d.Hour);
        DatePart("$minute", d => d.Minute);
        DatePart("$second", d => d.Second);
        DatePart("$millisecond", d => d.Millisecond);
        ops["$toDate"] = (1, 1, (c, a) => a[0].Evaluate(c) switch
        {
            null or BsonNull => BsonNull.Value,
            BsonDateTime date => date,
            BsonObjectId id => new BsonDateTime(id.Value.CreationTime),
            BsonString text when DateTime.TryParse(text.Value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed) => new BsonDateTime(parsed),
            var other when BsonTypeNames.IsNumber(other) => new BsonDateTime(other.ToInt64()),
            var other => throw new MongoError(241, "ConversionFailure", $"Unsupported conversion from {BsonTypeNames.NameOf(other.BsonType)} to date"),
        });
        return ops;
    }

    /// <summary>One array operand stands for its elements; several operands are taken as they are; missing ones are skipped.</summary>
    private static List<BsonValue> Operands(EvaluationContext context, Expression[] args)
    {
        var values = new List<BsonValue>();
        if (args.Length == 1)
        {
            var single = args[0].Evaluate(context);
            if (single is BsonArray array)
            {
                values.AddRange(array);
            }
            else if (single is not null)
            {
                values.Add(single);
            }

            return values;
        }

        foreach (var arg in args)
        {
            if (arg.Evaluate(context) is { } value)
            {
                values.Add(value);
            }
        }

        return values;
    }

    private static BsonValue Extreme(List<BsonValue> values, bool max)
    {
        BsonValue? best = null;
        foreach (var value in values)
        {
            if (ExpressionEvaluator.IsNullish(value))
            {
                continue;
            }

            int c = best is null ? 0 : BsonOrder.Instance.Compare(value, best);
            if (best is null || (max ? c > 0 : c < 0))
            {
                best = value;
            }
        }

        return best ?? BsonNull.Value;
    }

    private static BsonValue ConvertNumber(BsonValue? value, Func<double, BsonValue> make)
    {
        if (ExpressionEvaluator.IsNullish(value))
        {
            return BsonNull.Value;
        }

        try
        {
            return value switch
            {
                BsonBoolean b => make(b.Value ? 1 : 0),
                BsonString s => make(double.Parse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture)),
                BsonDateTime d => make(d.MillisecondsSinceEpoch),
                _ when BsonTypeNames.IsNumber(value!) => make(value!.ToDouble()),
                _ => throw new FormatException(),
            };
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new MongoError(241, "ConversionFailure", $"Failed to convert {value} to a number");
        }
    }
}
