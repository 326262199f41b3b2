using CsCheck;
using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Query;
using ZonaProcessManager.EmbeddedMongo.Storage;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Engine;

/// <summary>Invariants of the query engine over random BSON values, documents and filters.</summary>
public class EnginePropertyTests
{
    private const int Iterations = 400;

    private static readonly Gen<string> FieldName = Gen.OneOfConst("a", "b", "c");

    private static readonly Gen<BsonValue> Scalar = Gen.OneOf<BsonValue>(
        Gen.Const<BsonValue>(BsonNull.Value),
        Gen.Int[-3, 3].Select(i => (BsonValue)new BsonInt32(i)),
        Gen.Long[-3, 3].Select(l => (BsonValue)new BsonInt64(l)),
        Gen.Int[-6, 6].Select(i => (BsonValue)new BsonDouble(i / 2.0)),
        Gen.Int[-3, 3].Select(i => (BsonValue)new BsonDecimal128(new Decimal128(i))),
        Gen.OneOfConst<BsonValue>(new BsonDouble(double.NaN), new BsonDouble(double.PositiveInfinity), new BsonInt64(long.MaxValue), new BsonDouble(9.2233720368547758E18)),
        Gen.String[Gen.Char["ab"], 0, 2].Select(s => (BsonValue)new BsonString(s)),
        Gen.Bool.Select(b => (BsonValue)new BsonBoolean(b)),
        Gen.Int[0, 3].Select(i => (BsonValue)new BsonDateTime(i * 1000L)),
        Gen.Int[0, 2].Select(i => (BsonValue)new BsonObjectId(ObjectId.Parse($"00000000000000000000000{i}"))),
        Gen.Int[0, 2].Select(i => (BsonValue)new BsonTimestamp(i, 1)),
        Gen.Int[0, 2].Select(i => (BsonValue)new BsonBinaryData(new byte[i])),
        Gen.OneOfConst<BsonValue>(BsonMinKey.Value, BsonMaxKey.Value, BsonUndefined.Value, new BsonRegularExpression("a", "i")));

    private static Gen<BsonValue> Value(int depth) => depth == 0
        ? Scalar
        : Gen.Frequency<BsonValue>(
            (4, Scalar),
            (1, Document(depth - 1).Select(d => (BsonValue)d)),
            (1, Value(depth - 1).Array[0, 3].Select(items => (BsonValue)new BsonArray(items))));

    private static Gen<BsonDocument> Document(int depth) =>
        Gen.Select(FieldName, Value(depth)).Array[0, 3].Select(fields =>
        {
            var document = new BsonDocument();
            foreach (var (name, value) in fields)
            {
                document[name] = value;
            }

            return document;
        });

    private static readonly Gen<BsonDocument> AnyDocument = Document(2);

    private static readonly Gen<string> Path = Gen.OneOfConst("a", "b", "a.b", "a.c", "a.0", "b.a.c");

    /// <summary>A filter on one path with one randomly chosen operator.</summary>
    private static readonly Gen<BsonDocument> SimpleFilter = Gen.Select(Path, Gen.Int[0, 9], Value(1), Scalar.Array[0, 3])
        .Select((path, kind, value, values) => new BsonDocument(path, kind switch
        {
            0 => value,
            1 => new BsonDocument("$gt", value),
            2 => new BsonDocument("$lte", value),
            3 => new BsonDocument("$in", new BsonArray(values)),
            4 => new BsonDocument("$nin", new BsonArray(values)),
            5 => new BsonDocument("$exists", values.Length % 2 == 0),
            6 => new BsonDocument("$size", values.Length),
            7 => new BsonDocument("$ne", value is BsonRegularExpression ? BsonNull.Value : value),
            8 => new BsonDocument("$type", values.Length == 0 ? "array" : "number"),
            _ => new BsonDocument("$elemMatch", new BsonDocument("$gte", values.Length)),
        }));

    private static bool Matches(BsonDocument filter, BsonDocument document) => Filter.Parse(filter).Matches(document);

    [Fact]
    public void BsonOrder_is_a_total_order()
    {
        var order = BsonOrder.Instance;
        Gen.Select(Value(2), Value(2), Value(2)).Sample((x, y, z) =>
        {
            Assert.Equal(0, order.Compare(x, x));
            Assert.Equal(Math.Sign(order.Compare(x, y)), -Math.Sign(order.Compare(y, x)));
            if (order.Compare(x, y) <= 0 && order.Compare(y, z) <= 0)
            {
                Assert.True(order.Compare(x, z) <= 0, $"{x} <= {y} <= {z} but not {x} <= {z}");
            }
        }, iter: Iterations * 5);
    }

    [Fact]
    public void A_document_matching_an_equality_on_leading_index_fields_has_a_key_in_that_prefix_range()
    {
        // The storage answers such a query from the index range [prefix, UpperBound): a matching document outside it
        // would silently be missing from the result.
        var index = new IndexMeta(1, BsonDocument.Parse("{ v: 2, key: { a: 1, b: 1 }, name: 'a_1_b_1' }"));
        Gen.Select(AnyDocument, Scalar, Scalar, Gen.Bool).Sample((document, first, second, both) =>
        {
            var query = both ? new BsonDocument { { "a", first }, { "b", second } } : new BsonDocument("a", first);
            if (!Matches(query, document) || IndexKeys.LookupPrefix(index, Filter.Parse(query).EqualityPaths) is not { } prefix)
            {
                return;
            }

            List<IndexKey> keys;
            try
            {
                keys = IndexKeys.For(index, document);
            }
            catch (MongoError error) when (error.Code == 171)
            {
                // Arrays in both a and b: MongoDB refuses to store such a document under this index (CannotIndexParallelArrays),
                // so it can never be missing from an index range.
                return;
            }

            var upper = prefix.UpperBound();
            Assert.Contains(keys, key =>
                key.Bytes.AsSpan().SequenceCompareTo(prefix.Bytes) >= 0 && (upper is null || key.Bytes.AsSpan().SequenceCompareTo(upper) < 0));
        }, iter: Iterations * 5);
    }

    [Fact]
    public void Nor_of_a_filter_is_its_negation() =>
        Gen.Select(SimpleFilter, AnyDocument).Sample((filter, document) =>
            Assert.Equal(!Matches(filter, document), Matches(new BsonDocument("$nor", new BsonArray { filter }), document)), iter: Iterations);

    [Fact]
    public void And_and_or_are_conjunction_and_disjunction() =>
        Gen.Select(SimpleFilter, SimpleFilter, AnyDocument).Sample((f, g, document) =>
        {
            bool both = Matches(f, document) && Matches(g, document);
            bool either = Matches(f, document) || Matches(g, document);
            Assert.Equal(both, Matches(new BsonDocument("$and", new BsonArray { f, g }), document));
            Assert.Equal(either, Matches(new BsonDocument("$or", new BsonArray { f, g }), document));
        }, iter: Iterations);

    [Fact]
    public void In_with_one_value_is_equality() =>
        Gen.Select(Path, Value(1), AnyDocument).Where((_, value, _) => value is not BsonRegularExpression).Sample((path, value, document) =>
            Assert.Equal(
                Matches(new BsonDocument(path, new BsonDocument("$eq", value)), document),
                Matches(new BsonDocument(path, new BsonDocument("$in", new BsonArray { value })), document)), iter: Iterations);

    [Fact]
    public void Large_in_lists_match_exactly_like_equality_on_any_member() =>
        Gen.Select(Value(1).Array[9, 20], Value(1), AnyDocument).Sample((values, probe, document) =>
        {
            var listed = values.Where(v => v is not BsonRegularExpression).ToList();
            var inFilter = Filter.Parse(new BsonDocument("a", new BsonDocument("$in", new BsonArray(listed))));
            var orFilter = listed.Count == 0
                ? null
                : Filter.Parse(new BsonDocument("$or", new BsonArray(listed.Select(v => new BsonDocument("a", new BsonDocument("$eq", v))))));
            document["a"] = probe;
            Assert.Equal(orFilter?.Matches(document) ?? false, inFilter.Matches(document));
        }, iter: Iterations);

    [Fact]
    public void Matching_random_documents_never_throws_or_mutates() =>
        Gen.Select(SimpleFilter, AnyDocument).Sample((filter, document) =>
        {
            var before = document.DeepClone();
            Filter.Parse(filter).Matches(document, out _);
            Assert.True(BsonOrder.Identical(before, document));
        }, iter: Iterations);

    [Fact]
    public void Inc_then_inverse_inc_restores_the_number()
    {
        var number = Gen.OneOf<BsonValue>(
            Gen.Int[-1000, 1000].Select(i => (BsonValue)new BsonInt32(i)),
            Gen.Long[-100000, 100000].Select(l => (BsonValue)new BsonInt64(l)));
        Gen.Select(number, Gen.Int[-1000, 1000]).Sample((start, delta) =>
        {
            var document = new BsonDocument { { "_id", 1 }, { "n", start } };
            var up = UpdateEngine.Parse(new BsonDocument("$inc", new BsonDocument("n", delta))).Apply(document).Document;
            var down = UpdateEngine.Parse(new BsonDocument("$inc", new BsonDocument("n", -delta))).Apply(up).Document;
            Assert.True(BsonOrder.ValuesEqual(start, down["n"]));
        }, iter: Iterations);
    }

    [Fact]
    public void Set_then_read_gives_the_value()
    {
        Gen.Select(AnyDocument, Gen.OneOfConst("a", "z.y", "a.k", "b.0"), Value(2)).Sample((document, path, value) =>
        {
            document["_id"] = 1;
            UpdateOutcome outcome;
            try
            {
                outcome = UpdateEngine.Parse(new BsonDocument("$set", new BsonDocument(path, value))).Apply(document);
            }
            catch (MongoError error) when (error.Code == 28)
            {
                // The path runs through a scalar (or a non-index into an array): MongoDB refuses too.
                return;
            }

            BsonValue? current = outcome.Document;
            foreach (var part in path.Split('.'))
            {
                current = current switch
                {
                    BsonDocument d => d.GetValue(part, null),
                    BsonArray a => a[int.Parse(part, System.Globalization.CultureInfo.InvariantCulture)],
                    _ => null,
                };
            }

            Assert.NotNull(current);
            Assert.True(BsonOrder.Identical(value, current!));
        }, iter: Iterations);
    }

    [Fact]
    public void AddToSet_is_idempotent() =>
        Gen.Select(Scalar.Array[0, 4], Scalar.Array[0, 3]).Sample((existing, added) =>
        {
            var document = new BsonDocument { { "_id", 1 }, { "s", new BsonArray(existing) } };
            var update = UpdateEngine.Parse(new BsonDocument("$addToSet", new BsonDocument("s", new BsonDocument("$each", new BsonArray(added)))));
            var once = update.Apply(document).Document;
            var twice = update.Apply(once);
            Assert.False(twice.Modified);
            Assert.True(BsonOrder.Identical(once, twice.Document));
        }, iter: Iterations);

    [Fact]
    public void Updates_never_mutate_their_input()
    {
        string[] updates =
        [
            "{$set: {'a.b': 1}}", "{$unset: {a: 1}}", "{$inc: {n: 1}}", "{$push: {a: 1}}", "{$addToSet: {b: 2}}",
            "{$pull: {a: null}}", "{$pop: {b: 1}}", "{$rename: {c: 'd'}}", "{$min: {a: 0}}", "{$mul: {n: 2}}", "{$set: {'a.$[]': 0}}",
        ];
        Gen.Select(AnyDocument, Gen.Int[0, updates.Length - 1]).Sample((document, index) =>
        {
            document["_id"] = 1;
            var before = document.DeepClone();
            try
            {
                UpdateEngine.Parse(BsonDocument.Parse(updates[index])).Apply(document);
            }
            catch (MongoError)
            {
                // Refusing an update is fine; what matters is that the stored document is left alone.
            }

            Assert.True(BsonOrder.Identical(before, document));
        }, iter: Iterations);
    }

    [Fact]
    public void Sort_output_is_ordered_by_its_own_comparer() =>
        Gen.Select(AnyDocument.Array[0, 8], Gen.OneOfConst("{a: 1}", "{a: -1}", "{'a.b': 1, c: -1}")).Sample((documents, sortJson) =>
        {
            var sort = SortSpec.Parse(BsonDocument.Parse(sortJson));
            var sorted = sort.Sort(documents);
            Assert.Equal(documents.Length, sorted.Count);
            for (int i = 1; i < sorted.Count; i++)
            {
                Assert.True(sort.Compare(sorted[i - 1], sorted[i]) <= 0);
            }
        }, iter: Iterations);
}
