using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Query;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Engine;

/// <summary>Expected documents follow the examples of MongoDB's update operator documentation.</summary>
public class UpdateTests
{
    private static UpdateOutcome Apply(string document, string update, int? positional = null, string? arrayFilters = null, bool upsert = false)
    {
        var filters = arrayFilters is null ? null : BsonSerializerArray(arrayFilters);
        return UpdateEngine.Parse(BsonDocument.Parse(update), filters).Apply(BsonDocument.Parse(document), positional, upsert);
    }

    private static BsonArray BsonSerializerArray(string json) => BsonDocument.Parse("{v: " + json + "}")["v"].AsBsonArray;

    private static void AssertSameDocument(string expected, BsonDocument actual) =>
        Assert.Equal(BsonDocument.Parse(expected).ToJson(), actual.ToJson());

    [Theory]
    [InlineData("{_id: 1, a: 1}", "{$set: {b: 2}}", "{_id: 1, a: 1, b: 2}")]
    [InlineData("{_id: 1}", "{$set: {'a.b.c': 1}}", "{_id: 1, a: {b: {c: 1}}}")]
    [InlineData("{_id: 1}", "{$set: {z: 1, b: 2, a: 3}}", "{_id: 1, a: 3, b: 2, z: 1}")]
    [InlineData("{_id: 1, a: [1, 2]}", "{$set: {'a.1': 9}}", "{_id: 1, a: [1, 9]}")]
    [InlineData("{_id: 1, a: [1]}", "{$set: {'a.3': 9}}", "{_id: 1, a: [1, null, null, 9]}")]
    [InlineData("{_id: 1, a: 1, b: 2}", "{$unset: {a: ''}}", "{_id: 1, b: 2}")]
    [InlineData("{_id: 1, a: [1, 2]}", "{$unset: {'a.0': ''}}", "{_id: 1, a: [null, 2]}")]
    [InlineData("{_id: 1, a: 1}", "{$inc: {a: 2, b: 5}}", "{_id: 1, a: 3, b: 5}")]
    [InlineData("{_id: 1, a: 2147483647}", "{$inc: {a: 1}}", "{_id: 1, a: NumberLong('2147483648')}")]
    [InlineData("{_id: 1, a: 1}", "{$inc: {a: 0.5}}", "{_id: 1, a: 1.5}")]
    [InlineData("{_id: 1, a: 2}", "{$mul: {a: 3, b: 4}}", "{_id: 1, a: 6, b: 0}")]
    [InlineData("{_id: 1, a: 5}", "{$min: {a: 3}, $max: {b: 1}}", "{_id: 1, a: 3, b: 1}")]
    [InlineData("{_id: 1, a: 5}", "{$max: {a: 3}}", "{_id: 1, a: 5}")]
    [InlineData("{_id: 1, a: 1, b: {c: 2}}", "{$rename: {a: 'z', 'b.c': 'b.d'}}", "{_id: 1, b: {d: 2}, z: 1}")]
    [InlineData("{_id: 1, a: [1, 2]}", "{$push: {a: 3}}", "{_id: 1, a: [1, 2, 3]}")]
    [InlineData("{_id: 1}", "{$push: {a: 3}}", "{_id: 1, a: [3]}")]
    [InlineData("{_id: 1, a: [1, 2]}", "{$push: {a: {$each: [5, 6], $position: 0}}}", "{_id: 1, a: [5, 6, 1, 2]}")]
    [InlineData("{_id: 1, a: [3, 1]}", "{$push: {a: {$each: [2], $sort: 1, $slice: 2}}}", "{_id: 1, a: [1, 2]}")]
    [InlineData("{_id: 1, a: [3, 1]}", "{$push: {a: {$each: [2], $slice: -2}}}", "{_id: 1, a: [1, 2]}")]
    [InlineData("{_id: 1, a: [{s: 3}, {s: 1}]}", "{$push: {a: {$each: [{s: 2}], $sort: {s: -1}}}}", "{_id: 1, a: [{s: 3}, {s: 2}, {s: 1}]}")]
    [InlineData("{_id: 1, a: [1, 2]}", "{$addToSet: {a: 2}}", "{_id: 1, a: [1, 2]}")]
    [InlineData("{_id: 1, a: [1, 2]}", "{$addToSet: {a: {$each: [2, 3, 3]}}}", "{_id: 1, a: [1, 2, 3]}")]
    [InlineData("{_id: 1, a: [1, 2, 3, 2]}", "{$pull: {a: 2}}", "{_id: 1, a: [1, 3]}")]
    [InlineData("{_id: 1, a: [1, 6, 7, 2]}", "{$pull: {a: {$gte: 6}}}", "{_id: 1, a: [1, 2]}")]
    [InlineData("{_id: 1, a: [{x: 1, y: 1}, {x: 2}]}", "{$pull: {a: {x: 1}}}", "{_id: 1, a: [{x: 2}]}")]
    [InlineData("{_id: 1, a: [0, 5, 5, 1]}", "{$pullAll: {a: [0, 5]}}", "{_id: 1, a: [1]}")]
    [InlineData("{_id: 1, a: [1, 2, 3]}", "{$pop: {a: -1}}", "{_id: 1, a: [2, 3]}")]
    [InlineData("{_id: 1, a: [1, 2, 3]}", "{$pop: {a: 1}}", "{_id: 1, a: [1, 2]}")]
    [InlineData("{_id: 1, a: 13}", "{$bit: {a: {and: 10}}}", "{_id: 1, a: 8}")]
    [InlineData("{_id: 1, a: [1, 2, 3]}", "{$inc: {'a.$[]': 10}}", "{_id: 1, a: [11, 12, 13]}")]
    [InlineData("{_id: 1, a: [{b: 1}, {b: 2}]}", "{$set: {'a.$[].c': 0}}", "{_id: 1, a: [{b: 1, c: 0}, {b: 2, c: 0}]}")]
    public void Operators_produce_MongoDBs_documents(string document, string update, string expected)
    {
        var outcome = Apply(document, update);
        AssertSameDocument(expected, outcome.Document);
    }

    [Fact]
    public void Positional_operator_uses_the_index_from_the_filter()
    {
        var filter = Filter.Parse(BsonDocument.Parse("{grades: 80}"));
        var document = BsonDocument.Parse("{_id: 1, grades: [85, 80, 80]}");
        Assert.True(filter.Matches(document, out var index));
        var outcome = UpdateEngine.Parse(BsonDocument.Parse("{$set: {'grades.$': 82}}")).Apply(document, index);
        AssertSameDocument("{_id: 1, grades: [85, 82, 80]}", outcome.Document);
    }

    [Fact]
    public void Positional_operator_without_a_match_is_an_error()
    {
        var error = Assert.Throws<MongoError>(() => Apply("{_id: 1, a: [1]}", "{$set: {'a.$': 2}}"));
        Assert.Equal(2, error.Code);
    }

    [Fact]
    public void Filtered_positional_operator_updates_elements_matching_array_filters()
    {
        var outcome = Apply("{_id: 1, grades: [95, 92, 90, 101]}", "{$set: {'grades.$[element]': 100}}", arrayFilters: "[{element: {$gte: 100}}]");
        AssertSameDocument("{_id: 1, grades: [95, 92, 90, 100]}", outcome.Document);

        var nested = Apply("{_id: 1, items: [{qty: 1, ok: false}, {qty: 9, ok: false}]}", "{$set: {'items.$[big].ok': true}}", arrayFilters: "[{'big.qty': {$gt: 5}}]");
        AssertSameDocument("{_id: 1, items: [{qty: 1, ok: false}, {qty: 9, ok: true}]}", nested.Document);
    }

    [Theory]
    [InlineData("{$set: {'a.$[x]': 1}}", null, 2)]
    [InlineData("{$set: {a: 1}}", "[{x: 1}]", 9)]
    public void Array_filters_must_match_identifiers(string update, string? arrayFilters, int code)
    {
        var error = Assert.Throws<MongoError>(() => UpdateEngine.Parse(BsonDocument.Parse(update), arrayFilters is null ? null : BsonSerializerArray(arrayFilters)));
        Assert.Equal(code, error.Code);
    }

    [Theory]
    [InlineData("{$foo: {a: 1}}", 9)]
    [InlineData("{$set: 1}", 9)]
    [InlineData("{$set: {a: 1}, $inc: {a: 1}}", 40)]
    [InlineData("{$set: {'a.b': 1}, $unset: {a: 1}}", 40)]
    [InlineData("{$rename: {a: 'b'}, $set: {b: 1}}", 40)]
    [InlineData("{$inc: {a: 'x'}}", 14)]
    [InlineData("{$pop: {a: 2}}", 9)]
    [InlineData("{$rename: {a: 'a'}}", 2)]
    [InlineData("{$set: {'a..b': 1}}", 56)]
    [InlineData("{$currentDate: {a: {$type: 'year'}}}", 2)]
    [InlineData("{$push: {a: {$each: 1}}}", 2)]
    public void Invalid_updates_fail_at_parse_with_MongoDB_codes(string update, int code)
    {
        var error = Assert.Throws<MongoError>(() => UpdateEngine.Parse(BsonDocument.Parse(update)));
        Assert.Equal(code, error.Code);
    }

    [Theory]
    [InlineData("{_id: 1, a: 'x'}", "{$inc: {a: 1}}", 14)]
    [InlineData("{_id: 1, a: 1}", "{$push: {a: 1}}", 2)]
    [InlineData("{_id: 1, a: 1}", "{$set: {'a.b': 1}}", 28)]
    [InlineData("{_id: 1, a: 1}", "{$set: {_id: 2}}", 66)]
    [InlineData("{_id: 1, a: 1}", "{$unset: {_id: 1}}", 66)]
    [InlineData("{_id: 1, a: NumberLong('9223372036854775807')}", "{$inc: {a: 1}}", 2)]
    [InlineData("{_id: 1, a: 5}", "{$inc: {'a.$[]': 1}}", 2)]
    public void Invalid_applications_fail_with_MongoDB_codes(string document, string update, int code)
    {
        var error = Assert.Throws<MongoError>(() => Apply(document, update));
        Assert.Equal(code, error.Code);
    }

    [Theory]
    [InlineData("{_id: 1, a: NumberDecimal('1.5')}", "{$inc: {a: 1}}", "{_id: 1, a: NumberDecimal('2.5')}")]
    [InlineData("{_id: 1, a: NumberDecimal('NaN')}", "{$inc: {a: 1}}", "{_id: 1, a: NumberDecimal('NaN')}")]
    [InlineData("{_id: 1, a: NumberDecimal('1E+6000')}", "{$mul: {a: 2}}", "{_id: 1, a: NumberDecimal('Infinity')}")]
    [InlineData("{_id: 1, a: NumberLong(5)}", "{$mul: {a: 2.5}}", "{_id: 1, a: 12.5}")]
    public void Decimal_and_mixed_arithmetic_widens_instead_of_failing(string document, string update, string expected) =>
        AssertSameDocument(expected, Apply(document, update).Document);

    [Fact]
    public void Setting_the_same_value_is_not_a_modification()
    {
        Assert.False(Apply("{_id: 1, a: 1}", "{$set: {a: 1}}").Modified);
        Assert.False(Apply("{_id: 1, a: [1]}", "{$addToSet: {a: 1}}").Modified);
        Assert.False(Apply("{_id: 1}", "{$unset: {a: 1}}").Modified);
        Assert.True(Apply("{_id: 1, a: 1}", "{$set: {a: 1.0}}").Modified);
        Assert.True(Apply("{_id: 1, a: 1}", "{$inc: {a: 1}}").Modified);
    }

    [Fact]
    public void Replacement_keeps_the_id_and_refuses_to_change_it()
    {
        var engine = UpdateEngine.Parse(BsonDocument.Parse("{b: 2, a: 1}"));
        Assert.True(engine.IsReplacement);
        AssertSameDocument("{_id: 7, b: 2, a: 1}", engine.Apply(BsonDocument.Parse("{_id: 7, x: 1}")).Document);

        var changesId = UpdateEngine.Parse(BsonDocument.Parse("{_id: 8, b: 2}"));
        Assert.Equal(66, Assert.Throws<MongoError>(() => changesId.Apply(BsonDocument.Parse("{_id: 7}"))).Code);

        var sameId = UpdateEngine.Parse(BsonDocument.Parse("{b: 2, _id: 7}"));
        AssertSameDocument("{_id: 7, b: 2}", sameId.Apply(BsonDocument.Parse("{_id: 7}")).Document);
    }

    [Fact]
    public void Upsert_seeds_from_equality_paths_and_applies_set_on_insert()
    {
        var filter = Filter.Parse(BsonDocument.Parse("{_id: 5, name: 'x', 'meta.kind': 'svc', n: {$gt: 1}}"));
        var seed = UpdateEngine.UpsertSeed(filter);
        AssertSameDocument("{_id: 5, name: 'x', meta: {kind: 'svc'}}", seed);

        var update = UpdateEngine.Parse(BsonDocument.Parse("{$set: {a: 1}, $setOnInsert: {created: true}}"));
        AssertSameDocument("{_id: 5, name: 'x', meta: {kind: 'svc'}, a: 1, created: true}", update.Apply(seed, isUpsertInsert: true).Document);
        AssertSameDocument("{_id: 5, a: 1}", update.Apply(BsonDocument.Parse("{_id: 5}")).Document);
    }

    [Fact]
    public void Current_date_writes_a_date_or_a_timestamp()
    {
        var outcome = Apply("{_id: 1}", "{$currentDate: {d: true, t: {$type: 'timestamp'}}}");
        Assert.Equal(BsonType.DateTime, outcome.Document["d"].BsonType);
        Assert.Equal(BsonType.Timestamp, outcome.Document["t"].BsonType);
        var written = outcome.Document["d"].ToUniversalTime();
        Assert.InRange(written, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(5));
    }

    [Fact]
    public void Pipeline_updates_reshape_the_document()
    {
        var engine = UpdateEngine.Parse(BsonDocument.Parse("{v: [{$set: {total: {$add: ['$a', '$b']}}}, {$unset: 'b'}]}")["v"]);
        AssertSameDocument("{_id: 1, a: 2, total: 5}", engine.Apply(BsonDocument.Parse("{_id: 1, a: 2, b: 3}")).Document);

        var error = Assert.Throws<MongoError>(() => UpdateEngine.Parse(BsonDocument.Parse("{v: [{$group: {_id: 1}}]}")["v"]));
        Assert.Equal(72, error.Code);
    }

    [Fact]
    public void Updates_never_mutate_their_input()
    {
        var document = BsonDocument.Parse("{_id: 1, a: [1, 2], b: {c: 1}, n: 5}");
        var before = document.DeepClone();
        Apply(document.ToJson(), "{$push: {a: 3}, $set: {'b.c': 2}, $inc: {n: 1}}");
        var engine = UpdateEngine.Parse(BsonDocument.Parse("{$push: {a: 3}, $set: {'b.c': 2}, $inc: {n: 1}, $unset: {x: 1}}"));
        var outcome = engine.Apply(document);
        Assert.Equal(before, document);
        Assert.NotSame(document, outcome.Document);
    }
}
