using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Query;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Engine;

public class ProjectionAndSortTests
{
    private const string Inventory = "{_id: 1, item: 'journal', status: 'A', size: {h: 14, w: 21, uom: 'cm'}, instock: [{warehouse: 'A', qty: 5}, {warehouse: 'C', qty: 15}]}";

    private static string Project(string projection, string document = Inventory, int? positional = null) =>
        Projection.Parse(BsonDocument.Parse(projection)).Apply(BsonDocument.Parse(document), positional).ToJson();

    private static string Json(string document) => BsonDocument.Parse(document).ToJson();

    [Theory]
    [InlineData("{}", Inventory)]
    [InlineData("{item: 1, status: 1}", "{_id: 1, item: 'journal', status: 'A'}")]
    [InlineData("{status: 1, item: 1}", "{_id: 1, item: 'journal', status: 'A'}")]
    [InlineData("{item: 1, _id: 0}", "{item: 'journal'}")]
    [InlineData("{_id: 1}", "{_id: 1}")]
    [InlineData("{_id: 0}", "{item: 'journal', status: 'A', size: {h: 14, w: 21, uom: 'cm'}, instock: [{warehouse: 'A', qty: 5}, {warehouse: 'C', qty: 15}]}")]
    [InlineData("{status: 0, instock: 0, size: 0}", "{_id: 1, item: 'journal'}")]
    [InlineData("{'size.uom': 1}", "{_id: 1, size: {uom: 'cm'}}")]
    [InlineData("{size: {uom: 1}}", "{_id: 1, size: {uom: 'cm'}}")]
    [InlineData("{'size.uom': 0, instock: 0}", "{_id: 1, item: 'journal', status: 'A', size: {h: 14, w: 21}}")]
    [InlineData("{'instock.qty': 1}", "{_id: 1, instock: [{qty: 5}, {qty: 15}]}")]
    [InlineData("{'instock.qty': 0, size: 0}", "{_id: 1, item: 'journal', status: 'A', instock: [{warehouse: 'A'}, {warehouse: 'C'}]}")]
    [InlineData("{instock: {$slice: -1}, size: 0}", "{_id: 1, item: 'journal', status: 'A', instock: [{warehouse: 'C', qty: 15}]}")]
    [InlineData("{item: 1, instock: {$slice: [1, 5]}}", "{_id: 1, item: 'journal', instock: [{warehouse: 'C', qty: 15}]}")]
    [InlineData("{item: 1, instock: {$elemMatch: {qty: {$gt: 10}}}}", "{_id: 1, item: 'journal', instock: [{warehouse: 'C', qty: 15}]}")]
    [InlineData("{item: 1, instock: {$elemMatch: {qty: {$gt: 99}}}}", "{_id: 1, item: 'journal'}")]
    [InlineData("{item: 1, area: {$multiply: ['$size.h', '$size.w']}}", "{_id: 1, item: 'journal', area: 294}")]
    [InlineData("{label: '$status'}", "{_id: 1, label: 'A'}")]
    public void Find_projections_follow_MongoDB(string projection, string expected) =>
        Assert.Equal(Json(expected), Project(projection));

    [Fact]
    public void Positional_projection_returns_the_matched_element()
    {
        var filter = Filter.Parse(BsonDocument.Parse("{'instock.qty': {$gt: 10}}"));
        Assert.True(filter.Matches(BsonDocument.Parse(Inventory), out var index));
        Assert.Equal(Json("{_id: 1, instock: [{warehouse: 'C', qty: 15}]}"), Project("{'instock.$': 1}", positional: index));
        Assert.Equal(51246, Assert.Throws<MongoError>(() => Project("{'instock.$': 1}")).Code);
    }

    [Theory]
    [InlineData("{a: 1, b: 0}", 31254)]
    [InlineData("{a: 0, b: 1}", 31253)]
    [InlineData("{a: 1, 'a.b': 1}", 31250)]
    [InlineData("{'a.$': 1, 'b.$': 1}", 2)]
    public void Invalid_projections_fail_with_MongoDB_codes(string projection, int code)
    {
        var error = Assert.Throws<MongoError>(() => Projection.Parse(BsonDocument.Parse(projection)));
        Assert.Equal(code, error.Code);
    }

    [Fact]
    public void Projection_leaves_the_input_untouched()
    {
        var document = BsonDocument.Parse(Inventory);
        var before = document.DeepClone();
        var projected = Projection.Parse(BsonDocument.Parse("{size: 1}")).Apply(document);
        projected["size"]["h"] = 99;
        Assert.Equal(before, document);
    }

    private static int[] SortIds(string sort, params string[] documents) =>
        [.. SortSpec.Parse(BsonDocument.Parse(sort)).Sort(documents.Select(BsonDocument.Parse)).Select(d => d["_id"].AsInt32)];

    [Fact]
    public void Sort_orders_across_types_by_MongoDBs_comparison_order()
    {
        var ids = SortIds("{a: 1}",
            "{_id: 1, a: true}",
            "{_id: 2, a: 'x'}",
            "{_id: 3, a: 5}",
            "{_id: 4}",
            "{_id: 5, a: {b: 1}}",
            "{_id: 6, a: null}",
            "{_id: 7, a: ObjectId('5f0000000000000000000000')}",
            "{_id: 8, a: ISODate('2020-01-01')}",
            "{_id: 9, a: 2.5}");
        Assert.Equal([4, 6, 9, 3, 2, 5, 7, 1, 8], ids);
    }

    [Fact]
    public void Sort_uses_min_element_ascending_and_max_descending()
    {
        string[] documents = ["{_id: 1, a: [1, 10]}", "{_id: 2, a: 5}", "{_id: 3, a: [3, 4]}"];
        Assert.Equal([1, 3, 2], SortIds("{a: 1}", documents));
        Assert.Equal([1, 2, 3], SortIds("{a: -1}", documents));
    }

    [Fact]
    public void Sort_handles_multiple_and_dotted_keys_stably()
    {
        var ids = SortIds("{'x.y': 1, b: -1}",
            "{_id: 1, x: {y: 2}, b: 1}",
            "{_id: 2, x: {y: 1}, b: 1}",
            "{_id: 3, x: {y: 2}, b: 3}",
            "{_id: 4, x: {y: 1}, b: 1}",
            "{_id: 5, b: 0}");
        Assert.Equal([5, 2, 4, 3, 1], ids);
        var comparer = SortSpec.Parse(BsonDocument.Parse("{'x.y': 1}"));
        Assert.True(comparer.Compare(BsonDocument.Parse("{x: {y: 1}}"), BsonDocument.Parse("{x: {y: 2}}")) < 0);
        Assert.Equal(0, comparer.Compare(BsonDocument.Parse("{}"), BsonDocument.Parse("{x: {y: null}}")));
    }

    [Fact]
    public void Natural_order_is_reported_to_the_caller_not_sorted_as_a_field()
    {
        var natural = SortSpec.Parse(BsonDocument.Parse("{$natural: -1}"));
        Assert.True(natural.IsEmpty);
        Assert.Equal(-1, natural.NaturalDirection);
        Assert.Equal([2, 1], SortIds("{$natural: -1, a: 1}", "{_id: 1, a: 2}", "{_id: 2, a: 1}"));
        Assert.Equal(0, SortSpec.Parse(BsonDocument.Parse("{a: 1}")).NaturalDirection);
    }

    [Theory]
    [InlineData("{a: 2}")]
    [InlineData("{a: 'up'}")]
    [InlineData("{a: 0}")]
    public void Invalid_sort_directions_are_rejected(string sort) =>
        Assert.Equal(15975, Assert.Throws<MongoError>(() => SortSpec.Parse(BsonDocument.Parse(sort))).Code);
}
