using System.Text.RegularExpressions;
using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Query;

namespace ZonaProcessManager.EmbeddedMongo.Validation;

/// <summary>
/// MongoDB's $jsonSchema dialect (JSON Schema draft 4 plus bsonType, without $ref/format/default). A keyword only
/// constrains values of the type it is about: minimum ignores strings, properties ignores arrays, and so on.
/// </summary>
internal sealed class JsonSchema
{
    private static readonly Dictionary<string, BsonType[]> JsonTypes = new(StringComparer.Ordinal)
    {
        ["object"] = [BsonType.Document],
        ["array"] = [BsonType.Array],
        ["number"] = [BsonType.Double, BsonType.Int32, BsonType.Int64, BsonType.Decimal128],
        ["boolean"] = [BsonType.Boolean],
        ["string"] = [BsonType.String],
        ["null"] = [BsonType.Null],
    };

    private static readonly HashSet<string> UnsupportedKeywords = new(StringComparer.Ordinal)
    {
        "$ref", "$schema", "default", "definitions", "format", "id",
    };

    private BsonType[]? types;
    private string typeKeyword = "bsonType";
    private BsonValue? typeSpecified;
    private BsonArray? required;
    private readonly List<(string Name, JsonSchema Schema)> properties = [];
    private readonly List<(Regex Regex, string Pattern, JsonSchema Schema)> patternProperties = [];
    private bool? additionalPropertiesAllowed;
    private JsonSchema? additionalPropertiesSchema;
    private BsonArray? enumValues;
    private (Regex Regex, string Pattern)? pattern;
    private BsonValue? minimum;
    private BsonValue? maximum;
    private bool exclusiveMinimum;
    private bool exclusiveMaximum;
    private long? minLength;
    private long? maxLength;
    private long? minItems;
    private long? maxItems;
    private long? minProperties;
    private long? maxProperties;
    private JsonSchema? itemsSchema;
    private JsonSchema[]? itemsTuple;
    private bool? additionalItemsAllowed;
    private JsonSchema? additionalItemsSchema;
    private bool uniqueItems;
    private JsonSchema[]? allOf;
    private JsonSchema[]? anyOf;
    private JsonSchema[]? oneOf;
    private JsonSchema? not;
    private readonly List<(string Property, BsonArray? RequiredProperties, JsonSchema? Schema)> dependencies = [];

    private JsonSchema()
    {
    }

    /// <summary>Throws <see cref="MongoError"/> 9 FailedToParse or 14 TypeMismatch for a malformed schema, as MongoDB does at create/collMod.</summary>
    public static JsonSchema Parse(BsonDocument schema) => Parse(schema, 0);

    private static JsonSchema Parse(BsonDocument schema, int depth)
    {
        if (depth > 100)
        {
            throw MongoError.BadValue("$jsonSchema is nested too deeply");
        }

        var result = new JsonSchema();
        foreach (var element in schema)
        {
            result.ParseKeyword(element, depth);
        }

        if (schema.Contains("type") && schema.Contains("bsonType"))
        {
            throw MongoError.FailedToParse("Cannot specify both $jsonSchema keywords 'type' and 'bsonType'");
        }

        if (schema.Contains("exclusiveMinimum") && !schema.Contains("minimum"))
        {
            throw MongoError.FailedToParse("$jsonSchema keyword 'minimum' must be a present if exclusiveMinimum is present");
        }

        if (schema.Contains("exclusiveMaximum") && !schema.Contains("maximum"))
        {
            throw MongoError.FailedToParse("$jsonSchema keyword 'maximum' must be a present if exclusiveMaximum is present");
        }

        return result;
    }

    private void ParseKeyword(BsonElement element, int depth)
    {
        string keyword = element.Name;
        var value = element.Value;
        switch (keyword)
        {
            case "bsonType":
                types = ParseTypeList(value, keyword, name => BsonTypeNames.TryResolve(name, out var t) ? t : null);
                typeKeyword = keyword;
                typeSpecified = value;
                break;
            case "type":
                types = ParseTypeList(value, keyword, name => name == "integer"
                    ? throw MongoError.FailedToParse("$jsonSchema type 'integer' is not currently supported.")
                    : JsonTypes.TryGetValue(name, out var t) ? t : null);
                typeKeyword = keyword;
                typeSpecified = value;
                break;
            case "required":
                if (value is not BsonArray names || names.Any(n => n is not BsonString))
                {
                    throw MongoError.TypeMismatch("$jsonSchema keyword 'required' must be an array of strings");
                }

                if (names.Distinct(BsonValueComparerForStrings.Instance).Count() != names.Count)
                {
                    throw MongoError.FailedToParse("$jsonSchema keyword 'required' array cannot contain duplicate values");
                }

                required = names;
                break;
            case "properties":
                foreach (var property in RequireDocument(value, keyword))
                {
                    properties.Add((property.Name, Parse(RequireSubschema(property.Value, $"properties.{property.Name}"), depth + 1)));
                }

                break;
            case "patternProperties":
                foreach (var property in RequireDocument(value, keyword))
                {
                    patternProperties.Add((RegexPredicate.Compile(property.Name, ""), property.Name, Parse(RequireSubschema(property.Value, $"patternProperties.{property.Name}"), depth + 1)));
                }

                break;
            case "additionalProperties":
                if (value is BsonBoolean allowed)
                {
                    additionalPropertiesAllowed = allowed.Value;
                }
                else
                {
                    additionalPropertiesSchema = Parse(RequireSubschema(value, keyword), depth + 1);
                }

                break;
            case "enum":
                if (value is not BsonArray { Count: > 0 } enumArray)
                {
                    throw MongoError.FailedToParse("$jsonSchema keyword 'enum' must be a non-empty array");
                }

                enumValues = enumArray;
                break;
            case "pattern":
                {
                    string text = value is BsonString s ? s.Value : throw MongoError.TypeMismatch("$jsonSchema keyword 'pattern' must be a string");
                    pattern = (RegexPredicate.Compile(text, ""), text);
                    break;
                }
            case "minimum":
                minimum = RequireNumber(value, keyword);
                break;
            case "maximum":
                maximum = RequireNumber(value, keyword);
                break;
            case "exclusiveMinimum":
                exclusiveMinimum = RequireBoolean(value, keyword);
                break;
            case "exclusiveMaximum":
                exclusiveMaximum = RequireBoolean(value, keyword);
                break;
            case "minLength":
                minLength = RequireCount(value, keyword);
                break;
            case "maxLength":
                maxLength = RequireCount(value, keyword);
                break;
            case "minItems":
                minItems = RequireCount(value, keyword);
                break;
            case "maxItems":
                maxItems = RequireCount(value, keyword);
                break;
            case "minProperties":
                minProperties = RequireCount(value, keyword);
                break;
            case "maxProperties":
                maxProperties = RequireCount(value, keyword);
                break;
            case "items":
                if (value is BsonArray tuple)
                {
                    itemsTuple = [.. tuple.Select((s, i) => Parse(RequireSubschema(s, $"items.{i}"), depth + 1))];
                }
                else
                {
                    itemsSchema = Parse(RequireSubschema(value, keyword), depth + 1);
                }

                break;
            case "additionalItems":
                if (value is BsonBoolean allowItems)
                {
                    additionalItemsAllowed = allowItems.Value;
                }
                else
                {
                    additionalItemsSchema = Parse(RequireSubschema(value, keyword), depth + 1);
                }

                break;
            case "uniqueItems":
                uniqueItems = RequireBoolean(value, keyword);
                break;
            case "allOf":
                allOf = ParseSchemaArray(value, keyword, depth);
                break;
            case "anyOf":
                anyOf = ParseSchemaArray(value, keyword, depth);
                break;
            case "oneOf":
                oneOf = ParseSchemaArray(value, keyword, depth);
                break;
            case "not":
                not = Parse(RequireSubschema(value, keyword), depth + 1);
                break;
            case "dependencies":
                foreach (var dependency in RequireDocument(value, keyword))
                {
                    if (dependency.Value is BsonArray requiredProperties && requiredProperties.All(v => v is BsonString))
                    {
                        dependencies.Add((dependency.Name, requiredProperties, null));
                    }
                    else if (dependency.Value is BsonDocument dependencySchema)
                    {
                        dependencies.Add((dependency.Name, null, Parse(dependencySchema, depth + 1)));
                    }
                    else
                    {
                        throw MongoError.TypeMismatch($"property '{dependency.Name}' in $jsonSchema keyword 'dependencies' must be either an object or an array of strings");
                    }
                }

                break;
            case "title":
            case "description":
                if (value is not BsonString)
                {
                    throw MongoError.TypeMismatch($"$jsonSchema keyword '{keyword}' must be a string");
                }

                break;
            default:
                if (UnsupportedKeywords.Contains(keyword))
                {
                    throw MongoError.FailedToParse($"$jsonSchema keyword '{keyword}' is not currently supported");
                }

                throw MongoError.FailedToParse($"Unknown $jsonSchema keyword: {keyword}");
        }
    }

    private static BsonType[] ParseTypeList(BsonValue value, string keyword, Func<string, BsonType[]?> resolve)
    {
        var names = value switch
        {
            BsonString s => [s],
            BsonArray { Count: > 0 } array when array.All(v => v is BsonString) => array,
            _ => throw MongoError.TypeMismatch($"$jsonSchema keyword '{keyword}' must be either a string or an array of strings"),
        };
        var result = new List<BsonType>();
        foreach (var name in names)
        {
            var resolved = resolve(name.AsString) ?? throw MongoError.BadValue($"Unknown type name alias: {name.AsString}");
            result.AddRange(resolved);
        }

        return [.. result];
    }

    private static BsonDocument RequireDocument(BsonValue value, string keyword) =>
        value as BsonDocument ?? throw MongoError.TypeMismatch($"$jsonSchema keyword '{keyword}' must be an object");

    private static BsonDocument RequireSubschema(BsonValue value, string location) =>
        value as BsonDocument ?? throw MongoError.TypeMismatch($"$jsonSchema keyword '{location}' must be an object");

    private static BsonValue RequireNumber(BsonValue value, string keyword) =>
        BsonTypeNames.IsNumber(value) ? value : throw MongoError.TypeMismatch($"$jsonSchema keyword '{keyword}' must be a number");

    private static bool RequireBoolean(BsonValue value, string keyword) =>
        value is BsonBoolean b ? b.Value : throw MongoError.TypeMismatch($"$jsonSchema keyword '{keyword}' must be a boolean");

    private static long RequireCount(BsonValue value, string keyword)
    {
        if (!BsonTypeNames.IsNumber(value) || value.ToDouble() != Math.Truncate(value.ToDouble()))
        {
            throw MongoError.TypeMismatch($"$jsonSchema keyword '{keyword}' must be a representable as a long integer");
        }

        if (value.ToDouble() < 0)
        {
            throw MongoError.FailedToParse($"$jsonSchema keyword '{keyword}' must be a non-negative integral number");
        }

        return (long)value.ToDouble();
    }

    private static JsonSchema[] ParseSchemaArray(BsonValue value, string keyword, int depth)
    {
        if (value is not BsonArray { Count: > 0 } array)
        {
            throw MongoError.FailedToParse($"$jsonSchema keyword '{keyword}' must be a non-empty array");
        }

        return [.. array.Select((s, i) => Parse(RequireSubschema(s, $"{keyword}.{i}"), depth + 1))];
    }

    /// <summary>Null when the value satisfies the schema; otherwise the rules it breaks, in MongoDB's errInfo vocabulary.</summary>
    public BsonArray? Validate(BsonValue value)
    {
        var failures = new BsonArray();
        Check(value, failures);
        return failures.Count == 0 ? null : failures;
    }

    private void Check(BsonValue value, BsonArray failures)
    {
        if (types is not null && Array.IndexOf(types, value.BsonType) < 0)
        {
            failures.Add(new BsonDocument
            {
                { "operatorName", typeKeyword },
                { "specifiedAs", new BsonDocument(typeKeyword, typeSpecified) },
                { "reason", "type did not match" },
                { "consideredValue", value },
                { "consideredType", BsonTypeNames.NameOf(value.BsonType) },
            });
        }

        if (enumValues is not null && !enumValues.Any(candidate => BsonOrder.ValuesEqual(candidate, value)))
        {
            failures.Add(Rule("enum", enumValues, "value was not found in enum", value));
        }

        switch (value)
        {
            case BsonDocument document:
                CheckObject(document, failures);
                break;
            case BsonArray array:
                CheckArray(array, failures);
                break;
            case BsonString text:
                CheckString(text.Value, value, failures);
                break;
            default:
                if (BsonTypeNames.IsNumber(value))
                {
                    CheckNumber(value, failures);
                }

                break;
        }

        CheckLogical(value, failures);
    }

    private static BsonDocument Rule(string keyword, BsonValue specifiedAs, string reason, BsonValue consideredValue) => new()
    {
        { "operatorName", keyword },
        { "specifiedAs", new BsonDocument(keyword, specifiedAs) },
        { "reason", reason },
        { "consideredValue", consideredValue },
    };

    private void CheckNumber(BsonValue value, BsonArray failures)
    {
        if (minimum is not null)
        {
            int c = BsonOrder.Instance.Compare(value, minimum);
            if (exclusiveMinimum ? c <= 0 : c < 0)
            {
                var rule = Rule("minimum", minimum, "comparison failed", value);
                if (exclusiveMinimum)
                {
                    rule["specifiedAs"].AsBsonDocument.Add("exclusiveMinimum", true);
                }

                failures.Add(rule);
            }
        }

        if (maximum is not null)
        {
            int c = BsonOrder.Instance.Compare(value, maximum);
            if (exclusiveMaximum ? c >= 0 : c > 0)
            {
                var rule = Rule("maximum", maximum, "comparison failed", value);
                if (exclusiveMaximum)
                {
                    rule["specifiedAs"].AsBsonDocument.Add("exclusiveMaximum", true);
                }

                failures.Add(rule);
            }
        }
    }

    private void CheckString(string text, BsonValue value, BsonArray failures)
    {
        long length = -1;
        if (minLength is not null || maxLength is not null)
        {
            length = text.EnumerateRunes().LongCount();
        }

        if (minLength is { } min && length < min)
        {
            failures.Add(Rule("minLength", min, "specified string length was not satisfied", value));
        }

        if (maxLength is { } max && length > max)
        {
            failures.Add(Rule("maxLength", max, "specified string length was not satisfied", value));
        }

        if (pattern is { } p && !RegexPredicate.IsMatch(p.Regex, text))
        {
            failures.Add(Rule("pattern", p.Pattern, "regular expression did not match", value));
        }
    }

    private void CheckArray(BsonArray array, BsonArray failures)
    {
        if (minItems is { } min && array.Count < min)
        {
            failures.Add(Rule("minItems", min, "array did not match specified length", array));
        }

        if (maxItems is { } max && array.Count > max)
        {
            failures.Add(Rule("maxItems", max, "array did not match specified length", array));
        }

        if (uniqueItems)
        {
            for (int i = 0; i < array.Count; i++)
            {
                for (int j = 0; j < i; j++)
                {
                    if (BsonOrder.ValuesEqual(array[i], array[j]))
                    {
                        var rule = Rule("uniqueItems", true, "found a duplicate item", array);
                        rule["duplicatedValue"] = array[i];
                        failures.Add(rule);
                        goto doneUnique;
                    }
                }
            }

        doneUnique:;
        }

        if (itemsSchema is not null)
        {
            for (int i = 0; i < array.Count; i++)
            {
                var itemFailures = itemsSchema.Validate(array[i]);
                if (itemFailures is not null)
                {
                    failures.Add(new BsonDocument
                    {
                        { "operatorName", "items" },
                        { "reason", "At least one item did not match the sub-schema" },
                        { "itemIndex", i },
                        { "details", itemFailures },
                    });
                    break;
                }
            }
        }

        if (itemsTuple is not null)
        {
            for (int i = 0; i < array.Count && i < itemsTuple.Length; i++)
            {
                var itemFailures = itemsTuple[i].Validate(array[i]);
                if (itemFailures is not null)
                {
                    failures.Add(new BsonDocument
                    {
                        { "operatorName", "items" },
                        { "reason", "At least one item did not match the sub-schema" },
                        { "itemIndex", i },
                        { "details", itemFailures },
                    });
                    break;
                }
            }

            for (int i = itemsTuple.Length; i < array.Count; i++)
            {
                if (additionalItemsAllowed == false)
                {
                    failures.Add(new BsonDocument
                    {
                        { "operatorName", "additionalItems" },
                        { "specifiedAs", new BsonDocument("additionalItems", false) },
                        { "reason", "found additional items" },
                        { "additionalItems", new BsonArray(array.Skip(itemsTuple.Length)) },
                    });
                    break;
                }

                var itemFailures = additionalItemsSchema?.Validate(array[i]);
                if (itemFailures is not null)
                {
                    failures.Add(new BsonDocument
                    {
                        { "operatorName", "additionalItems" },
                        { "reason", "At least one additional item did not match the sub-schema" },
                        { "itemIndex", i },
                        { "details", itemFailures },
                    });
                    break;
                }
            }
        }
    }

    private void CheckObject(BsonDocument document, BsonArray failures)
    {
        if (required is not null)
        {
            var missing = new BsonArray(required.Where(name => !document.Contains(name.AsString)));
            if (missing.Count > 0)
            {
                failures.Add(new BsonDocument
                {
                    { "operatorName", "required" },
                    { "specifiedAs", new BsonDocument("required", required) },
                    { "missingProperties", missing },
                });
            }
        }

        if (minProperties is { } min && document.ElementCount < min)
        {
            var rule = new BsonDocument { { "operatorName", "minProperties" }, { "specifiedAs", new BsonDocument("minProperties", min) }, { "reason", "specified number of properties was not satisfied" }, { "numberOfProperties", document.ElementCount } };
            failures.Add(rule);
        }

        if (maxProperties is { } max && document.ElementCount > max)
        {
            var rule = new BsonDocument { { "operatorName", "maxProperties" }, { "specifiedAs", new BsonDocument("maxProperties", max) }, { "reason", "specified number of properties was not satisfied" }, { "numberOfProperties", document.ElementCount } };
            failures.Add(rule);
        }

        if (properties.Count > 0)
        {
            var notSatisfied = new BsonArray();
            foreach (var (name, schema) in properties)
            {
                if (document.TryGetValue(name, out var propertyValue) && schema.Validate(propertyValue) is { } details)
                {
                    notSatisfied.Add(new BsonDocument { { "propertyName", name }, { "details", details } });
                }
            }

            if (notSatisfied.Count > 0)
            {
                failures.Add(new BsonDocument { { "operatorName", "properties" }, { "propertiesNotSatisfied", notSatisfied } });
            }
        }

        if (patternProperties.Count > 0 || additionalPropertiesAllowed is not null || additionalPropertiesSchema is not null)
        {
            CheckPatternAndAdditional(document, failures);
        }

        foreach (var (property, requiredProperties, schema) in dependencies)
        {
            if (!document.Contains(property))
            {
                continue;
            }

            if (requiredProperties is not null)
            {
                var missing = new BsonArray(requiredProperties.Where(name => !document.Contains(name.AsString)));
                if (missing.Count > 0)
                {
                    failures.Add(new BsonDocument
                    {
                        { "operatorName", "dependencies" },
                        { "failingDependencies", new BsonArray { new BsonDocument { { "conditionalProperty", property }, { "missingProperties", missing } } } },
                    });
                }
            }
            else if (schema!.Validate(document) is { } details)
            {
                failures.Add(new BsonDocument
                {
                    { "operatorName", "dependencies" },
                    { "failingDependencies", new BsonArray { new BsonDocument { { "conditionalProperty", property }, { "details", details } } } },
                });
            }
        }
    }

    private void CheckPatternAndAdditional(BsonDocument document, BsonArray failures)
    {
        var patternFailures = new BsonArray();
        var additional = new BsonArray();
        var additionalFailures = new BsonArray();
        foreach (var element in document)
        {
            bool declared = properties.Exists(p => p.Name == element.Name);
            bool matchedPattern = false;
            foreach (var (regex, patternText, schema) in patternProperties)
            {
                if (!RegexPredicate.IsMatch(regex, element.Name))
                {
                    continue;
                }

                matchedPattern = true;
                if (schema.Validate(element.Value) is { } details)
                {
                    patternFailures.Add(new BsonDocument { { "propertyName", element.Name }, { "regexMatched", patternText }, { "details", details } });
                }
            }

            if (declared || matchedPattern)
            {
                continue;
            }

            if (additionalPropertiesAllowed == false)
            {
                additional.Add(element.Name);
            }
            else if (additionalPropertiesSchema?.Validate(element.Value) is { } details)
            {
                additionalFailures.Add(new BsonDocument { { "propertyName", element.Name }, { "details", details } });
            }
        }

        if (patternFailures.Count > 0)
        {
            failures.Add(new BsonDocument { { "operatorName", "patternProperties" }, { "propertiesNotSatisfied", patternFailures } });
        }

        if (additional.Count > 0)
        {
            failures.Add(new BsonDocument
            {
                { "operatorName", "additionalProperties" },
                { "specifiedAs", new BsonDocument("additionalProperties", false) },
                { "additionalProperties", additional },
            });
        }

        if (additionalFailures.Count > 0)
        {
            failures.Add(new BsonDocument
            {
                { "operatorName", "additionalProperties" },
                { "reason", "at least one additional property did not match the subschema" },
                { "propertiesNotSatisfied", additionalFailures },
            });
        }
    }

    private void CheckLogical(BsonValue value, BsonArray failures)
    {
        if (allOf is not null)
        {
            var notSatisfied = new BsonArray();
            for (int i = 0; i < allOf.Length; i++)
            {
                if (allOf[i].Validate(value) is { } details)
                {
                    notSatisfied.Add(new BsonDocument { { "index", i }, { "details", details } });
                }
            }

            if (notSatisfied.Count > 0)
            {
                failures.Add(new BsonDocument { { "operatorName", "allOf" }, { "schemasNotSatisfied", notSatisfied } });
            }
        }

        if (anyOf is not null)
        {
            var notSatisfied = new BsonArray();
            for (int i = 0; i < anyOf.Length; i++)
            {
                if (anyOf[i].Validate(value) is not { } details)
                {
                    notSatisfied = null;
                    break;
                }

                notSatisfied.Add(new BsonDocument { { "index", i }, { "details", details } });
            }

            if (notSatisfied is not null)
            {
                failures.Add(new BsonDocument { { "operatorName", "anyOf" }, { "schemasNotSatisfied", notSatisfied } });
            }
        }

        if (oneOf is not null)
        {
            var notSatisfied = new BsonArray();
            var matching = new BsonArray();
            for (int i = 0; i < oneOf.Length; i++)
            {
                if (oneOf[i].Validate(value) is { } details)
                {
                    notSatisfied.Add(new BsonDocument { { "index", i }, { "details", details } });
                }
                else
                {
                    matching.Add(i);
                }
            }

            if (matching.Count == 0)
            {
                failures.Add(new BsonDocument { { "operatorName", "oneOf" }, { "schemasNotSatisfied", notSatisfied } });
            }
            else if (matching.Count > 1)
            {
                failures.Add(new BsonDocument { { "operatorName", "oneOf" }, { "reason", "more than one subschema matched" }, { "matchingSchemaIndexes", matching } });
            }
        }

        if (not is not null && not.Validate(value) is null)
        {
            failures.Add(new BsonDocument { { "operatorName", "not" }, { "reason", "child expression matched" } });
        }
    }

    private sealed class BsonValueComparerForStrings : IEqualityComparer<BsonValue>
    {
        public static readonly BsonValueComparerForStrings Instance = new();

        public bool Equals(BsonValue? x, BsonValue? y) => x?.AsString == y?.AsString;

        public int GetHashCode(BsonValue obj) => obj.AsString.GetHashCode(StringComparison.Ordinal);
    }
}
