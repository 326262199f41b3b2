using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Aggregation;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Engine;

/// <summary>Examples adapted from MongoDB's aggregation stage documentation.</summary>
public class PipelineTests
{
    private sealed class Collections(Dictionary<string, BsonDocument[]> collections) : IAggregationSource
    {
        public IEnumerable<BsonDocument> ReadCollection(string collectionName) =>
            collections.TryGetValue(collectionName, out var documents) ? documents : [];
    }

    private static readonly string[] Sales =
    [
        "{_id: 1, item: 'abc', price: 10, quantity: 2, tags: ['a', 'b']}",
        "{_id: 2, item: 'jkl', price: 20, quantity: 1, tags: []}",
        "{_id: 3, item: 'xyz', price: 5, quantity: 10, tags: ['b']}",
        "{_id: 4, item: 'xyz', price: 5, quantity: 20}",
        "{_id: 5, item: 'abc', price: 10, quantity: 10, tags: null}",
    ];

    private static List<string> Run(string pipeline, string[]? input = null, Dictionary<string, BsonDocument[]>? collections = null)
    {
        var stages = BsonDocument.Parse("{p: " + pipeline + "}")["p"].AsBsonArray;
        var documents = (input ?? Sales).Select(BsonDocument.Parse).ToList();
        return [.. Pipeline.Parse(stages).Execute(documents, new Collections(collections ?? [])).Select(d => d.ToJson())];
    }

    private static List<string> Json(params string[] documents) => [.. documents.Select(d => BsonDocument.Parse(d).ToJson())];

    [Fact]
    public void Match_sort_skip_limit_and_project()
    {
        var result = Run("[{$match: {price: {$lte: 10}}}, {$sort: {quantity: -1}}, {$skip: 1}, {$limit: 2}, {$project: {item: 1, _id: 0}}]");
        Assert.Equal(Json("{item: 'xyz'}", "{item: 'abc'}"), result);
    }

    [Fact]
    public void Group_with_accumulators_and_expression_ids()
    {
        var result = Run("[{$group: {_id: '$item', total: {$sum: {$multiply: ['$price', '$quantity']}}, avgQty: {$avg: '$quantity'}, n: {$count: {}}, " +
            "minQ: {$min: '$quantity'}, maxQ: {$max: '$quantity'}, first: {$first: '$_id'}, last: {$last: '$_id'}, ids: {$push: '$_id'}, prices: {$addToSet: '$price'}}}, {$sort: {_id: 1}}]");
        Assert.Equal(Json(
            "{_id: 'abc', total: 120, avgQty: 6.0, n: 2, minQ: 2, maxQ: 10, first: 1, last: 5, ids: [1, 5], prices: [10]}",
            "{_id: 'jkl', total: 20, avgQty: 1.0, n: 1, minQ: 1, maxQ: 1, first: 2, last: 2, ids: [2], prices: [20]}",
            "{_id: 'xyz', total: 150, avgQty: 15.0, n: 2, minQ: 10, maxQ: 20, first: 3, last: 4, ids: [3, 4], prices: [5]}"), result);
    }

    [Fact]
    public void Group_by_null_and_by_document()
    {
        Assert.Equal(Json("{_id: null, count: 5}"), Run("[{$group: {_id: null, count: {$sum: 1}}}]"));
        var byDocument = Run("[{$group: {_id: {i: '$item', p: '$price'}, n: {$sum: 1}}}, {$sort: {n: -1, '_id.i': 1}}, {$limit: 1}]");
        Assert.Equal(Json("{_id: {i: 'abc', p: 10}, n: 2}"), byDocument);
    }

    [Fact]
    public void Count_documents_the_way_the_driver_asks_for_it()
    {
        Assert.Equal(Json("{_id: 1, n: 2}"), Run("[{$match: {item: 'xyz'}}, {$group: {_id: 1, n: {$sum: 1}}}]"));
        Assert.Equal(Json("{total: 5}"), Run("[{$count: 'total'}]"));
        Assert.Empty(Run("[{$match: {item: 'none'}}, {$count: 'total'}]"));
    }

    [Fact]
    public void Unwind_string_and_document_forms()
    {
        Assert.Equal(Json("{_id: 1, t: 'a'}", "{_id: 1, t: 'b'}", "{_id: 3, t: 'b'}"),
            Run("[{$unwind: '$tags'}, {$project: {t: '$tags'}}]"));
        var preserved = Run("[{$unwind: {path: '$tags', preserveNullAndEmptyArrays: true, includeArrayIndex: 'i'}}, {$project: {tags: 1, i: 1}}]");
        Assert.Equal(Json(
            "{_id: 1, tags: 'a', i: NumberLong(0)}",
            "{_id: 1, tags: 'b', i: NumberLong(1)}",
            "{_id: 2, i: null}",
            "{_id: 3, tags: 'b', i: NumberLong(0)}",
            "{_id: 4, i: null}",
            "{_id: 5, tags: null, i: null}"), preserved);
    }

    [Fact]
    public void Lookup_joins_by_local_and_foreign_fields()
    {
        var collections = new Dictionary<string, BsonDocument[]>
        {
            ["inventory"] =
            [
                BsonDocument.Parse("{_id: 10, sku: 'abc', stock: 120}"),
                BsonDocument.Parse("{_id: 11, sku: 'xyz', stock: 5}"),
                BsonDocument.Parse("{_id: 12, stock: 0}"),
            ],
        };
        var result = Run("[{$lookup: {from: 'inventory', localField: 'item', foreignField: 'sku', as: 'docs'}}, {$project: {stock: '$docs.stock'}}]",
            ["{_id: 1, item: 'abc'}", "{_id: 2, item: ['xyz', 'abc']}", "{_id: 3}", "{_id: 4, item: 'none'}"], collections);
        Assert.Equal(Json("{_id: 1, stock: [120]}", "{_id: 2, stock: [120, 5]}", "{_id: 3, stock: [0]}", "{_id: 4, stock: []}"), result);
    }

    [Fact]
    public void AddFields_set_unset_replaceRoot_and_sortByCount()
    {
        Assert.Equal(Json("{_id: 4, item: 'xyz', total: 100, meta: {q: 20}}"),
            Run("[{$match: {_id: 4}}, {$addFields: {total: {$multiply: ['$price', '$quantity']}, 'meta.q': '$quantity'}}, {$unset: ['price', 'quantity']}]"));
        Assert.Equal(Json("{q: 20, p: 5}"), Run("[{$match: {_id: 4}}, {$replaceRoot: {newRoot: {q: '$quantity', p: '$price'}}}]"));
        Assert.Equal(Json("{q: 20}"), Run("[{$match: {_id: 4}}, {$replaceWith: {q: '$quantity'}}]"));
        Assert.Equal(Json("{_id: 'abc', count: 2}", "{_id: 'xyz', count: 2}", "{_id: 'jkl', count: 1}"), Run("[{$sortByCount: '$item'}]"));
        Assert.Equal(Json("{_id: 1, c: null}"), Run("[{$match: {_id: 1}}, {$set: {c: '$$REMOVE', d: '$$REMOVE'}}, {$project: {c: {$ifNull: ['$c', null]}}}]"));
    }

    [Fact]
    public void Facet_runs_sub_pipelines_over_the_same_input()
    {
        Assert.Equal(Json("{cheap: [{n: 2}], items: [{_id: 'abc'}, {_id: 'jkl'}, {_id: 'xyz'}]}"),
            Run("[{$facet: {cheap: [{$match: {price: 5}}, {$count: 'n'}], items: [{$group: {_id: '$item'}}, {$sort: {_id: 1}}]}}]"));
    }

    [Fact]
    public void Expressions_used_in_project()
    {
        var result = Run("[{$match: {_id: 1}}, {$project: {_id: 0, " +
            "a: {$concat: ['$item', '!']}, b: {$toUpper: '$item'}, c: {$size: '$tags'}, d: {$subtract: ['$price', 3]}, " +
            "e: {$cond: {if: {$gt: ['$quantity', 1]}, then: 'many', else: 'one'}}, f: {$in: ['a', '$tags']}, g: {$arrayElemAt: ['$tags', -1]}, " +
            "h: {$filter: {input: '$tags', cond: {$eq: ['$$this', 'b']}}}, i: {$map: {input: '$tags', as: 't', in: {$concat: ['$$t', '$$t']}}}, " +
            "j: {$switch: {branches: [{case: {$eq: ['$price', 10]}, then: 'ten'}], default: 'other'}}, k: {$mod: ['$quantity', 3]}, l: {$literal: '$x'}}}]");
        Assert.Equal(Json("{a: 'abc!', b: 'ABC', c: 2, d: 7, e: 'many', f: true, g: 'b', h: ['b'], i: ['aa', 'bb'], j: 'ten', k: 2, l: '$x'}"), result);
    }

    [Fact]
    public void Accumulator_operators_and_date_parts_work_as_expressions()
    {
        var result = Run("[{$project: {_id: 0, total: {$sum: '$scores'}, best: {$max: '$scores'}, worst: {$min: [4, '$x', 2]}, mean: {$avg: '$scores'}, " +
            "y: {$year: '$at'}, m: {$month: '$at'}, d: {$dayOfMonth: '$at'}, h: {$hour: '$at'}}}]",
            ["{scores: [3, 9, 'x', 6], x: 7, at: ISODate('2024-03-05T10:20:00Z')}"]);
        Assert.Equal(Json("{total: 18, best: 'x', worst: 2, mean: 6.0, y: 2024, m: 3, d: 5, h: 10}"), result);
    }

    [Fact]
    public void Leading_match_is_exposed_for_index_use()
    {
        var stages = BsonDocument.Parse("{p: [{$match: {item: 'abc'}}, {$limit: 1}]}")["p"].AsBsonArray;
        var pipeline = Pipeline.Parse(stages);
        Assert.NotNull(pipeline.LeadingMatch);
        Assert.True(pipeline.LeadingMatch!.Matches(BsonDocument.Parse("{item: 'abc'}")));
        Assert.Null(Pipeline.Parse(BsonDocument.Parse("{p: [{$limit: 1}]}")["p"].AsBsonArray).LeadingMatch);
    }

    [Theory]
    [InlineData("[{$bogus: {}}]", 40324)]
    [InlineData("[{$match: {}, $limit: 1}]", 40323)]
    [InlineData("[{$project: {x: {$bogus: 1}}}]", 168)]
    [InlineData("[{$group: {n: {$sum: 1}}}]", 15955)]
    [InlineData("[{$group: {_id: 1, n: {$median: 1}}}]", 15952)]
    [InlineData("[{$limit: 0}]", 15958)]
    [InlineData("[{$skip: -1}]", 15956)]
    [InlineData("[{$unwind: 'tags'}]", 28818)]
    [InlineData("[{$count: ''}]", 40157)]
    [InlineData("[{$project: {}}]", 51272)]
    public void Invalid_pipelines_fail_with_MongoDB_codes(string pipeline, int code)
    {
        var stages = BsonDocument.Parse("{p: " + pipeline + "}")["p"].AsBsonArray;
        var error = Assert.Throws<MongoError>(() => Pipeline.Parse(stages));
        Assert.Equal(code, error.Code);
        if (code == 40324)
        {
            Assert.Equal("Unrecognized pipeline stage name: '$bogus'", error.Message);
        }
    }

    [Fact]
    public void Runtime_expression_errors_are_MongoErrors()
    {
        Assert.Equal(2, Assert.Throws<MongoError>(() => Run("[{$project: {x: {$divide: ['$price', 0]}}}]")).Code);
        Assert.Equal(17124, Assert.Throws<MongoError>(() => Run("[{$project: {x: {$size: '$nothing'}}}]")).Code);
        Assert.Equal(40228, Assert.Throws<MongoError>(() => Run("[{$replaceWith: '$price'}]")).Code);
    }

    [Fact]
    public void Pipeline_never_mutates_input_documents()
    {
        var documents = Sales.Select(BsonDocument.Parse).ToList();
        var before = documents.Select(d => d.DeepClone()).ToList();
        var stages = BsonDocument.Parse("{p: [{$unwind: '$tags'}, {$set: {tags: 'x', 'n.m': 1}}, {$unset: 'item'}]}")["p"].AsBsonArray;
        _ = Pipeline.Parse(stages).Execute(documents, new Collections([])).ToList();
        Assert.Equal(before, documents);
    }
}
