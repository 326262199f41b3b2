using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Query;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Engine;

/// <summary>Expected results follow MongoDB's query operator documentation.</summary>
public class FilterTests
{
    private static bool Matches(string filter, string document) =>
        Filter.Parse(BsonDocument.Parse(filter)).Matches(BsonDocument.Parse(document));

    [Theory]
    [InlineData("{}", "{a: 1}", true)]
    [InlineData("{a: 1}", "{a: 1}", true)]
    [InlineData("{a: 1}", "{a: 1.0}", true)]
    [InlineData("{a: 1}", "{a: NumberLong(1)}", true)]
    [InlineData("{a: 1}", "{a: NumberDecimal('1.00')}", true)]
    [InlineData("{a: 1}", "{a: '1'}", false)]
    [InlineData("{a: 1}", "{a: [3, 1]}", true)]
    [InlineData("{a: [3, 1]}", "{a: [3, 1]}", true)]
    [InlineData("{a: [1, 3]}", "{a: [3, 1]}", false)]
    [InlineData("{a: [1]}", "{a: [[1], 2]}", true)]
    [InlineData("{'a.b': 2}", "{a: {b: 2}}", true)]
    [InlineData("{'a.b': 2}", "{a: [{b: 1}, {b: 2}]}", true)]
    [InlineData("{'a.b': 2}", "{a: [{b: [1, 2]}]}", true)]
    [InlineData("{'a.1': 5}", "{a: [4, 5]}", true)]
    [InlineData("{'a.1.b': 5}", "{a: [{b: 4}, {b: 5}]}", true)]
    [InlineData("{'a.b': 2}", "{a: 2}", false)]
    [InlineData("{a: {b: 1, c: 2}}", "{a: {b: 1, c: 2}}", true)]
    [InlineData("{a: {b: 1, c: 2}}", "{a: {c: 2, b: 1}}", false)]
    [InlineData("{a: {}}", "{a: {}}", true)]
    public void Equality_follows_paths_arrays_and_numeric_types(string filter, string document, bool expected) =>
        Assert.Equal(expected, Matches(filter, document));

    [Theory]
    [InlineData("{a: null}", "{}", true)]
    [InlineData("{a: null}", "{a: null}", true)]
    [InlineData("{a: null}", "{a: 0}", false)]
    [InlineData("{a: null}", "{a: [1, null]}", true)]
    [InlineData("{a: {$ne: null}}", "{}", false)]
    [InlineData("{a: {$ne: null}}", "{a: 1}", true)]
    [InlineData("{a: {$eq: null}}", "{b: 1}", true)]
    [InlineData("{'a.b': null}", "{a: [{b: 1}, {}]}", true)]
    [InlineData("{'a.b': null}", "{a: [{b: 1}]}", false)]
    [InlineData("{a: {$in: [null, 5]}}", "{}", true)]
    [InlineData("{a: {$nin: [null]}}", "{}", false)]
    [InlineData("{a: {$gte: null}}", "{}", true)]
    [InlineData("{a: {$gt: null}}", "{}", false)]
    [InlineData("{a: {$lt: 5}}", "{}", false)]
    public void Null_matches_missing(string filter, string document, bool expected) =>
        Assert.Equal(expected, Matches(filter, document));

    [Theory]
    [InlineData("{a: {$gt: 1}}", "{a: 2}", true)]
    [InlineData("{a: {$gt: 1}}", "{a: 1}", false)]
    [InlineData("{a: {$gte: 1}}", "{a: 1.0}", true)]
    [InlineData("{a: {$lt: 2}}", "{a: NumberLong(1)}", true)]
    [InlineData("{a: {$lte: 1}}", "{a: NumberDecimal('1')}", true)]
    [InlineData("{a: {$gt: 1}}", "{a: 'z'}", false)]
    [InlineData("{a: {$lt: 'b'}}", "{a: 5}", false)]
    [InlineData("{a: {$lt: 'b'}}", "{a: 'a'}", true)]
    [InlineData("{a: {$gt: 5}}", "{a: [1, 10]}", true)]
    [InlineData("{a: {$gt: 5, $lt: 8}}", "{a: [1, 10]}", true)]
    [InlineData("{a: {$elemMatch: {$gt: 5, $lt: 8}}}", "{a: [1, 10]}", false)]
    [InlineData("{a: {$elemMatch: {$gt: 5, $lt: 8}}}", "{a: [1, 7]}", true)]
    [InlineData("{a: {$gt: ISODate('2020-01-01')}}", "{a: ISODate('2021-01-01')}", true)]
    [InlineData("{a: {$gt: MinKey}}", "{a: 'x'}", true)]
    [InlineData("{a: {$lt: MaxKey}}", "{a: {b: 1}}", true)]
    [InlineData("{a: {$gt: NaN}}", "{a: 1}", false)]
    [InlineData("{a: {$lt: [5]}}", "{a: [[4]]}", true)]
    public void Comparisons_stay_within_a_type_bracket(string filter, string document, bool expected) =>
        Assert.Equal(expected, Matches(filter, document));

    [Theory]
    [InlineData("{a: {$ne: 1}}", "{a: [1, 2]}", false)]
    [InlineData("{a: {$ne: 3}}", "{a: [1, 2]}", true)]
    [InlineData("{a: {$in: [1, 2]}}", "{a: 2}", true)]
    [InlineData("{a: {$in: [/^ab/]}}", "{a: 'abc'}", true)]
    [InlineData("{a: {$in: [[1, 2]]}}", "{a: [1, 2]}", true)]
    [InlineData("{a: {$nin: [1, 2]}}", "{a: 3}", true)]
    [InlineData("{a: {$nin: [1, 2]}}", "{a: [3, 2]}", false)]
    [InlineData("{$and: [{a: 1}, {b: 2}]}", "{a: 1, b: 2}", true)]
    [InlineData("{$and: [{a: 1}, {b: 2}]}", "{a: 1, b: 3}", false)]
    [InlineData("{$or: [{a: 1}, {b: 2}]}", "{a: 0, b: 2}", true)]
    [InlineData("{$nor: [{a: 1}, {b: 2}]}", "{a: 0, b: 3}", true)]
    [InlineData("{$nor: [{a: 1}, {b: 2}]}", "{a: 1}", false)]
    [InlineData("{a: {$exists: true}}", "{a: null}", true)]
    [InlineData("{a: {$exists: false}}", "{b: 1}", true)]
    [InlineData("{'a.b': {$exists: true}}", "{a: [{c: 1}, {b: 1}]}", true)]
    [InlineData("{'a.b': {$exists: false}}", "{a: [1, 2]}", true)]
    [InlineData("{a: {$not: {$gt: 5}}}", "{}", true)]
    [InlineData("{a: {$not: {$gt: 5}}}", "{a: 6}", false)]
    [InlineData("{a: {$not: /^x/}}", "{a: 'y'}", true)]
    [InlineData("{a: 1, $comment: 'why'}", "{a: 1}", true)]
    public void Logical_and_set_operators(string filter, string document, bool expected) =>
        Assert.Equal(expected, Matches(filter, document));

    [Theory]
    [InlineData("{a: {$type: 'string'}}", "{a: 'x'}", true)]
    [InlineData("{a: {$type: 2}}", "{a: 'x'}", true)]
    [InlineData("{a: {$type: 'number'}}", "{a: NumberLong(3)}", true)]
    [InlineData("{a: {$type: 'number'}}", "{a: '3'}", false)]
    [InlineData("{a: {$type: 'array'}}", "{a: []}", true)]
    [InlineData("{a: {$type: 'int'}}", "{a: [1.5, 2]}", true)]
    [InlineData("{a: {$type: ['null', 'bool']}}", "{a: true}", true)]
    [InlineData("{a: {$type: 'null'}}", "{}", false)]
    [InlineData("{a: {$regex: '^AB', $options: 'i'}}", "{a: 'abc'}", true)]
    [InlineData("{a: /b/}", "{a: ['x', 'abc']}", true)]
    [InlineData("{a: /b/}", "{a: 5}", false)]
    [InlineData("{a: {$regex: '^b$', $options: 'm'}}", "{a: 'a\\nb'}", true)]
    [InlineData("{a: {$all: [1, 2]}}", "{a: [2, 3, 1]}", true)]
    [InlineData("{a: {$all: [1, 4]}}", "{a: [2, 3, 1]}", false)]
    [InlineData("{a: {$all: []}}", "{a: [1]}", false)]
    [InlineData("{a: {$all: [{$elemMatch: {b: 1}}, {$elemMatch: {b: 2}}]}}", "{a: [{b: 1}, {b: 2}]}", true)]
    [InlineData("{a: {$elemMatch: {b: 1, c: 2}}}", "{a: [{b: 1, c: 1}, {b: 2, c: 2}]}", false)]
    [InlineData("{'a.b': 1, 'a.c': 2}", "{a: [{b: 1, c: 1}, {b: 2, c: 2}]}", true)]
    [InlineData("{a: {$elemMatch: {b: 1, c: 2}}}", "{a: [{b: 1, c: 2}]}", true)]
    [InlineData("{a: {$size: 2}}", "{a: [1, 2]}", true)]
    [InlineData("{a: {$size: 1}}", "{a: [[1, 2]]}", true)]
    [InlineData("{a: {$size: 2}}", "{a: [[1, 2]]}", false)]
    [InlineData("{a: {$size: 0}}", "{}", false)]
    [InlineData("{a: {$mod: [4, 0]}}", "{a: 8}", true)]
    [InlineData("{a: {$mod: [4, 1]}}", "{a: 9.7}", true)]
    [InlineData("{a: {$mod: [4, 0]}}", "{a: 'x'}", false)]
    public void Element_array_and_evaluation_operators(string filter, string document, bool expected) =>
        Assert.Equal(expected, Matches(filter, document));

    [Theory]
    [InlineData("{$expr: {$gt: ['$spent', '$budget']}}", "{spent: 10, budget: 5}", true)]
    [InlineData("{$expr: {$gt: ['$spent', '$budget']}}", "{spent: 1, budget: 5}", false)]
    [InlineData("{$expr: {$eq: [{$add: ['$a', 1]}, 3]}}", "{a: 2}", true)]
    [InlineData("{$expr: {$and: [{$lt: ['$a', 5]}, {$in: ['$b', ['x', 'y']]}]}}", "{a: 1, b: 'y'}", true)]
    [InlineData("{$expr: {$eq: [{$toUpper: '$name'}, 'ZED']}}", "{name: 'zed'}", true)]
    [InlineData("{$expr: {$eq: [{$size: '$tags'}, 2]}}", "{tags: ['a', 'b']}", true)]
    [InlineData("{$expr: {$eq: [{$cond: [{$gte: ['$q', 100]}, 'bulk', 'retail']}, 'bulk']}}", "{q: 150}", true)]
    [InlineData("{$expr: {$eq: [{$ifNull: ['$missing', 'd']}, 'd']}}", "{}", true)]
    [InlineData("{$expr: {$eq: [{$concat: ['$a', '-', '$b']}, 'x-y']}}", "{a: 'x', b: 'y'}", true)]
    [InlineData("{$expr: {$eq: ['$missing', null]}}", "{}", false)]
    [InlineData("{$expr: '$flag'}", "{flag: 0}", false)]
    [InlineData("{$expr: {$eq: [{$divide: ['$a', 4]}, 0.5]}}", "{a: 2}", true)]
    [InlineData("{$expr: {$eq: [{$literal: '$a'}, '$a']}}", "{a: 1}", false)]
    public void Expr_evaluates_aggregation_expressions(string filter, string document, bool expected) =>
        Assert.Equal(expected, Matches(filter, document));

    [Theory]
    [InlineData("{a: {$foo: 1}}", 2)]
    [InlineData("{$foo: 1}", 2)]
    [InlineData("{$and: []}", 2)]
    [InlineData("{$or: 1}", 2)]
    [InlineData("{a: {$in: 1}}", 2)]
    [InlineData("{a: {$size: -1}}", 2)]
    [InlineData("{a: {$mod: [0, 1]}}", 2)]
    [InlineData("{a: {$type: 'nope'}}", 2)]
    [InlineData("{a: {$not: {}}}", 2)]
    [InlineData("{a: {$options: 'i'}}", 2)]
    [InlineData("{$expr: {$frobnicate: 1}}", 168)]
    public void Invalid_filters_fail_with_MongoDB_codes(string filter, int code)
    {
        var error = Assert.Throws<MongoError>(() => Filter.Parse(BsonDocument.Parse(filter)));
        Assert.Equal(code, error.Code);
    }

    [Fact]
    public void Regex_operator_accepts_a_regex_literal_and_refuses_options_twice()
    {
        var literal = new BsonDocument("a", new BsonDocument("$regex", new BsonRegularExpression("^AB", "i")));
        Assert.True(Filter.Parse(literal).Matches(BsonDocument.Parse("{a: 'abc'}")));

        var twice = new BsonDocument("a", new BsonDocument { { "$regex", new BsonRegularExpression("^AB", "i") }, { "$options", "m" } });
        Assert.Throws<MongoError>(() => Filter.Parse(twice));
    }

    [Fact]
    public void Positional_index_reports_the_matching_array_element()
    {
        var filter = Filter.Parse(BsonDocument.Parse("{'grades.score': {$gte: 90}}"));
        var document = BsonDocument.Parse("{grades: [{score: 70}, {score: 95}, {score: 99}]}");
        Assert.True(filter.Matches(document, out var index));
        Assert.Equal(1, index);

        Assert.True(Filter.Parse(BsonDocument.Parse("{a: 1}")).Matches(BsonDocument.Parse("{a: 1}"), out var none));
        Assert.Null(none);

        Assert.True(Filter.Parse(BsonDocument.Parse("{tags: 'b'}")).Matches(BsonDocument.Parse("{tags: ['a', 'b']}"), out var scalar));
        Assert.Equal(1, scalar);

        var elemMatch = Filter.Parse(BsonDocument.Parse("{grades: {$elemMatch: {grade: {$lte: 90}, mean: {$gt: 80}}}}"));
        Assert.True(elemMatch.Matches(BsonDocument.Parse("{grades: [{grade: 80, mean: 75}, {grade: 85, mean: 90}, {grade: 85, mean: 85}]}"), out var elementIndex));
        Assert.Equal(1, elementIndex);
    }

    [Fact]
    public void Equality_paths_cover_plain_and_eq_but_not_or()
    {
        var filter = Filter.Parse(BsonDocument.Parse("{a: 1, 'b.c': 'x', d: {$eq: 2}, e: {$gt: 1}, $or: [{f: 1}], $and: [{g: 3}]}"));
        Assert.Equal(new Dictionary<string, BsonValue> { ["a"] = 1, ["b.c"] = "x", ["d"] = 2, ["g"] = 3 }, filter.EqualityPaths);
    }

    [Fact]
    public void Longs_and_doubles_compare_exactly_beyond_two_to_the_53()
    {
        var order = BsonOrder.Instance;
        const long big = 9007199254740993; // 2^53 + 1 has no double of its own
        Assert.True(order.Compare(new BsonInt64(big), new BsonDouble(9007199254740992.0)) > 0);
        Assert.True(order.Compare(new BsonDouble(9007199254740994.0), new BsonInt64(big)) > 0);
        Assert.Equal(0, order.Compare(new BsonInt64(1L << 62), new BsonDouble(Math.Pow(2, 62))));
        Assert.True(order.Compare(new BsonDouble(-0.5), new BsonInt64(0)) < 0);
        Assert.True(order.Compare(new BsonInt64(long.MaxValue), new BsonDouble(9223372036854775807.0)) < 0);
        Assert.True(order.Compare(new BsonDouble(double.NaN), new BsonInt64(long.MinValue)) < 0);
    }

    [Fact]
    public void Absurdly_nested_filters_are_refused_rather_than_overflowing_the_stack()
    {
        var filter = new BsonDocument("a", 1);
        for (int i = 0; i < 150; i++)
        {
            filter = new BsonDocument("$and", new BsonArray { filter });
        }

        Assert.Equal(2, Assert.Throws<MongoError>(() => Filter.Parse(filter)).Code);
    }

    [Fact]
    public void Matching_never_mutates_the_document()
    {
        var document = BsonDocument.Parse("{a: [{b: 1}, {b: 2}], c: 'x'}");
        var before = document.DeepClone();
        Filter.Parse(BsonDocument.Parse("{'a.b': {$gt: 1}, c: /x/, $expr: {$eq: ['$c', 'x']}}")).Matches(document);
        Assert.Equal(before, document);
    }
}
