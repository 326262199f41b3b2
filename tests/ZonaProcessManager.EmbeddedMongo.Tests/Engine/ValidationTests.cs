using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Validation;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Engine;

public class ValidationTests
{
    private const string StudentSchema = """
        {$jsonSchema: {
            bsonType: 'object',
            title: 'Student Object Validation',
            required: ['name', 'year'],
            properties: {
                name: {bsonType: 'string', description: 'must be a string and is required'},
                year: {bsonType: 'int', minimum: 2017, maximum: 3017},
                gpa: {bsonType: ['double'], description: 'must be a double if the field exists'},
                major: {enum: ['Math', 'English', 'Computer Science', 'History', null]},
                address: {bsonType: 'object', required: ['city'], properties: {city: {bsonType: 'string'}}}
            }
        }}
        """;

    private static BsonDocument? Validate(string validator, string document) =>
        DocumentValidator.Parse(BsonDocument.Parse(validator)).Validate(BsonDocument.Parse(document));

    private static bool IsValid(string schema, string document) => Validate("{$jsonSchema: " + schema + "}", document) is null;

    [Fact]
    public void A_valid_document_has_no_errors() =>
        Assert.Null(Validate(StudentSchema, "{_id: 1, name: 'Alice', year: 2019, major: 'History', gpa: 3.0, address: {city: 'NYC'}}"));

    [Fact]
    public void ErrInfo_names_the_failing_rule_and_field_like_MongoDB()
    {
        var errInfo = Validate(StudentSchema, "{_id: 7, name: 'Alice', year: 2019, gpa: 3}");
        Assert.NotNull(errInfo);
        var expected = BsonDocument.Parse("""
            {failingDocumentId: 7, details: {operatorName: '$jsonSchema', schemaRulesNotSatisfied: [
              {operatorName: 'properties', propertiesNotSatisfied: [
                {propertyName: 'gpa', details: [{operatorName: 'bsonType', specifiedAs: {bsonType: ['double']}, reason: 'type did not match', consideredValue: 3, consideredType: 'int'}]}
              ]}
            ]}}
            """);
        Assert.Equal(expected.ToJson(), errInfo!.ToJson());
    }

    [Fact]
    public void Missing_required_properties_are_listed()
    {
        var errInfo = Validate(StudentSchema, "{_id: 1, name: 'Bob'}")!;
        var rule = errInfo["details"]["schemaRulesNotSatisfied"][0].AsBsonDocument;
        Assert.Equal("required", rule["operatorName"].AsString);
        Assert.Equal(new BsonArray { "year" }, rule["missingProperties"]);
    }

    [Fact]
    public void Nested_failures_point_at_the_nested_field()
    {
        var errInfo = Validate(StudentSchema, "{_id: 1, name: 'Bob', year: 2020, address: {zip: 1}}")!;
        var property = errInfo["details"]["schemaRulesNotSatisfied"][0]["propertiesNotSatisfied"][0].AsBsonDocument;
        Assert.Equal("address", property["propertyName"].AsString);
        Assert.Equal("required", property["details"][0]["operatorName"].AsString);
    }

    [Theory]
    [InlineData("{bsonType: 'object', properties: {a: {bsonType: 'long'}}}", "{a: NumberLong(1)}", true)]
    [InlineData("{properties: {a: {bsonType: 'number'}}}", "{a: NumberDecimal('1.5')}", true)]
    [InlineData("{properties: {a: {bsonType: 'number'}}}", "{a: '1'}", false)]
    [InlineData("{properties: {a: {type: 'number'}}}", "{a: 2}", true)]
    [InlineData("{properties: {a: {type: ['string', 'null']}}}", "{a: null}", true)]
    [InlineData("{properties: {a: {type: 'boolean'}}}", "{a: 1}", false)]
    [InlineData("{properties: {a: {bsonType: 'objectId'}}}", "{a: ObjectId('5f0000000000000000000000')}", true)]
    [InlineData("{properties: {a: {bsonType: 'date'}}}", "{a: ISODate('2020-01-01')}", true)]
    [InlineData("{properties: {a: {bsonType: 'bool'}}}", "{a: false}", true)]
    [InlineData("{properties: {a: {minimum: 5}}}", "{a: 5}", true)]
    [InlineData("{properties: {a: {minimum: 5, exclusiveMinimum: true}}}", "{a: 5}", false)]
    [InlineData("{properties: {a: {maximum: 5, exclusiveMaximum: true}}}", "{a: 4.9}", true)]
    [InlineData("{properties: {a: {maximum: 5}}}", "{a: 6}", false)]
    [InlineData("{properties: {a: {minimum: 5}}}", "{a: 'not a number'}", true)]
    [InlineData("{properties: {a: {minLength: 2, maxLength: 3}}}", "{a: 'abcd'}", false)]
    [InlineData("{properties: {a: {minLength: 2}}}", "{a: 'ab'}", true)]
    [InlineData("{properties: {a: {pattern: '^[a-z]+$'}}}", "{a: 'abc'}", true)]
    [InlineData("{properties: {a: {pattern: '^[a-z]+$'}}}", "{a: 'ABC'}", false)]
    [InlineData("{properties: {a: {enum: [1, 'x']}}}", "{a: 'y'}", false)]
    [InlineData("{properties: {a: {minItems: 1, maxItems: 2}}}", "{a: []}", false)]
    [InlineData("{properties: {a: {items: {bsonType: 'int'}}}}", "{a: [1, 2, 'x']}", false)]
    [InlineData("{properties: {a: {items: [{bsonType: 'int'}, {bsonType: 'string'}]}}}", "{a: [1, 'x', true]}", true)]
    [InlineData("{properties: {a: {items: [{bsonType: 'int'}], additionalItems: false}}}", "{a: [1, 2]}", false)]
    [InlineData("{properties: {a: {items: [{bsonType: 'int'}], additionalItems: {bsonType: 'string'}}}}", "{a: [1, 's']}", true)]
    [InlineData("{properties: {a: {uniqueItems: true}}}", "{a: [1, 2, 1.0]}", false)]
    [InlineData("{properties: {a: {uniqueItems: true}}}", "{a: [1, 2]}", true)]
    [InlineData("{minProperties: 2}", "{a: 1}", false)]
    [InlineData("{maxProperties: 1}", "{a: 1, b: 2}", false)]
    [InlineData("{properties: {_id: {}, a: {}}, additionalProperties: false}", "{_id: 1, a: 1}", true)]
    [InlineData("{properties: {a: {}}, additionalProperties: false}", "{_id: 1, a: 1}", false)]
    [InlineData("{additionalProperties: {bsonType: 'int'}}", "{a: 1, b: 's'}", false)]
    [InlineData("{patternProperties: {'^s_': {bsonType: 'string'}}, additionalProperties: false}", "{s_a: 'x'}", true)]
    [InlineData("{patternProperties: {'^s_': {bsonType: 'string'}}}", "{s_a: 1}", false)]
    [InlineData("{properties: {a: {anyOf: [{bsonType: 'int'}, {bsonType: 'string'}]}}}", "{a: 's'}", true)]
    [InlineData("{properties: {a: {anyOf: [{bsonType: 'int'}, {bsonType: 'string'}]}}}", "{a: true}", false)]
    [InlineData("{properties: {a: {oneOf: [{minimum: 1}, {minimum: 2}]}}}", "{a: 5}", false)]
    [InlineData("{properties: {a: {oneOf: [{minimum: 1}, {maximum: 0}]}}}", "{a: 5}", true)]
    [InlineData("{properties: {a: {allOf: [{minimum: 1}, {maximum: 3}]}}}", "{a: 5}", false)]
    [InlineData("{properties: {a: {not: {bsonType: 'string'}}}}", "{a: 's'}", false)]
    [InlineData("{dependencies: {card: ['billing']}}", "{card: 1}", false)]
    [InlineData("{dependencies: {card: ['billing']}}", "{card: 1, billing: 2}", true)]
    public void Keywords_behave_as_MongoDB_documents(string schema, string document, bool valid) =>
        Assert.Equal(valid, IsValid(schema, document));

    [Fact]
    public void Query_operators_combine_with_jsonSchema()
    {
        const string validator = "{$jsonSchema: {required: ['status']}, status: {$in: ['Unknown', 'Incomplete']}, $or: [{phone: {$type: 'string'}}, {email: {$regex: '@'}}]}";
        Assert.Null(Validate(validator, "{status: 'Unknown', email: 'a@b'}"));
        var errInfo = Validate(validator, "{_id: 3, status: 'Done', phone: '1'}");
        Assert.NotNull(errInfo);
        Assert.Equal(3, errInfo!["failingDocumentId"].AsInt32);
        Assert.Equal("status", errInfo["details"]["clausesNotSatisfied"][0]["details"]["specifiedAs"].AsBsonDocument.GetElement(0).Name);
        Assert.Null(Validate("{}", "{anything: 1}"));
    }

    [Theory]
    [InlineData("{$jsonSchema: {bsonType: 'nope'}}", 2)]
    [InlineData("{$jsonSchema: {type: 'integer'}}", 9)]
    [InlineData("{$jsonSchema: {foo: 1}}", 9)]
    [InlineData("{$jsonSchema: {format: 'email'}}", 9)]
    [InlineData("{$jsonSchema: {type: 'object', bsonType: 'object'}}", 9)]
    [InlineData("{$jsonSchema: {exclusiveMinimum: true}}", 9)]
    [InlineData("{$jsonSchema: {minimum: 'x'}}", 14)]
    [InlineData("{$jsonSchema: {required: 'a'}}", 14)]
    [InlineData("{$jsonSchema: {enum: []}}", 9)]
    [InlineData("{$jsonSchema: {properties: {a: 1}}}", 14)]
    [InlineData("{$jsonSchema: 1}", 14)]
    [InlineData("{a: {$bogus: 1}}", 2)]
    public void Malformed_validators_fail_at_parse(string validator, int code)
    {
        var error = Assert.Throws<MongoError>(() => DocumentValidator.Parse(BsonDocument.Parse(validator)));
        Assert.Equal(code, error.Code);
    }

    [Fact]
    public void JsonSchema_is_also_a_query_operator()
    {
        var filter = Query.Filter.Parse(BsonDocument.Parse("{$jsonSchema: {required: ['a']}}"));
        Assert.True(filter.Matches(BsonDocument.Parse("{a: 1}")));
        Assert.False(filter.Matches(BsonDocument.Parse("{b: 1}")));
    }
}
