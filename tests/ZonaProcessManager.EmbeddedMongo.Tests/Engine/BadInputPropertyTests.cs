using CsCheck;
using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Aggregation;
using ZonaProcessManager.EmbeddedMongo.Query;
using ZonaProcessManager.EmbeddedMongo.Validation;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Engine;

/// <summary>
/// Random, mostly malformed specifications: the engine must either accept them or refuse them with a MongoError,
/// never with another exception type that would surface to a client as an internal error.
/// </summary>
public class BadInputPropertyTests
{
    private const int Iterations = 1500;

    private static readonly Gen<string> Key = Gen.OneOfConst(
        "a", "b", "a.b", "$eq", "$ne", "$gt", "$in", "$nin", "$and", "$or", "$nor", "$not", "$exists", "$type", "$regex", "$options",
        "$all", "$elemMatch", "$size", "$mod", "$expr", "$set", "$unset", "$inc", "$push", "$each", "$slice", "$sort", "$position",
        "$pull", "$rename", "$pop", "$currentDate", "$addToSet", "$bit", "$min", "$max", "$mul", "$sum", "$add", "$concat", "$cond",
        "$size", "$arrayElemAt", "$filter", "$map", "$match", "$group", "_id", "$unwind", "$project", "$lookup", "$limit", "$skip",
        "$count", "$sortByCount", "$replaceRoot", "newRoot", "path", "bsonType", "type", "required", "properties", "minimum",
        "items", "enum", "pattern", "additionalProperties", "anyOf", "not", "a.$", "a.$[]", "a.$[x]", "$jsonSchema", "as", "from");

    private static readonly Gen<BsonValue> Leaf = Gen.OneOf<BsonValue>(
        Gen.Int[-2, 3].Select(i => (BsonValue)new BsonInt32(i)),
        Gen.OneOfConst<BsonValue>(BsonNull.Value, new BsonDouble(1.5), new BsonDouble(double.NaN), new BsonBoolean(true), new BsonString("$a"),
            new BsonString("a"), new BsonString("object"), new BsonString("("), new BsonRegularExpression("x", "q"), new BsonDecimal128(Decimal128.MaxValue),
            new BsonDateTime(0), new BsonString("$$nope"), new BsonString("")));

    private static Gen<BsonValue> Spec(int depth) => depth == 0
        ? Leaf
        : Gen.Frequency<BsonValue>(
            (3, Leaf),
            (3, Gen.Select(Key, Spec(depth - 1)).Array[0, 3].Select(fields =>
            {
                var document = new BsonDocument(allowDuplicateNames: true);
                foreach (var (name, value) in fields)
                {
                    document.Add(name, value);
                }

                return (BsonValue)document;
            })),
            (1, Spec(depth - 1).Array[0, 3].Select(items => (BsonValue)new BsonArray(items))));

    private static readonly Gen<BsonDocument> SpecDocument = Spec(3).Select(v => v as BsonDocument ?? new BsonDocument("a", v));

    private static readonly BsonDocument[] Samples =
    [
        BsonDocument.Parse("{_id: 1, a: [1, {b: 2}, [3]], b: 'x'}"),
        BsonDocument.Parse("{_id: 2, a: {b: [{c: 1}]}, x: null}"),
        BsonDocument.Parse("{_id: 3}"),
    ];

    private static void OnlyMongoErrors(Action action)
    {
        try
        {
            action();
        }
        catch (MongoError)
        {
        }
    }

    [Fact]
    public void Filters_accept_or_refuse_cleanly() =>
        SpecDocument.Sample(spec => OnlyMongoErrors(() =>
        {
            var filter = Filter.Parse(spec);
            foreach (var sample in Samples)
            {
                OnlyMongoErrors(() => filter.Matches(sample, out _));
            }
        }), iter: Iterations);

    [Fact]
    public void Updates_accept_or_refuse_cleanly() =>
        Gen.Select(SpecDocument, Spec(2)).Sample((spec, arrayFilters) => OnlyMongoErrors(() =>
        {
            var update = UpdateEngine.Parse(spec, arrayFilters as BsonArray);
            foreach (var sample in Samples)
            {
                OnlyMongoErrors(() => update.Apply(sample, positionalIndex: 0));
                OnlyMongoErrors(() => update.Apply(sample, isUpsertInsert: true));
            }
        }), iter: Iterations);

    [Fact]
    public void Projections_and_sorts_accept_or_refuse_cleanly() =>
        SpecDocument.Sample(spec =>
        {
            OnlyMongoErrors(() =>
            {
                var projection = Projection.Parse(spec);
                foreach (var sample in Samples)
                {
                    OnlyMongoErrors(() => projection.Apply(sample, 0));
                }
            });
            OnlyMongoErrors(() => SortSpec.Parse(spec).Sort(Samples));
        }, iter: Iterations);

    private sealed class NoCollections : IAggregationSource
    {
        public IEnumerable<BsonDocument> ReadCollection(string collectionName) => Samples;
    }

    [Fact]
    public void Pipelines_accept_or_refuse_cleanly() =>
        SpecDocument.Array[1, 3].Sample(stages => OnlyMongoErrors(() =>
        {
            var pipeline = Pipeline.Parse(new BsonArray(stages));
            OnlyMongoErrors(() => pipeline.Execute(Samples, new NoCollections()).ToList());
        }), iter: Iterations);

    [Fact]
    public void Validators_accept_or_refuse_cleanly() =>
        SpecDocument.Sample(spec => OnlyMongoErrors(() =>
        {
            var validator = DocumentValidator.Parse(new BsonDocument("$jsonSchema", spec));
            foreach (var sample in Samples)
            {
                OnlyMongoErrors(() => validator.Validate(sample));
            }
        }), iter: Iterations);
}
