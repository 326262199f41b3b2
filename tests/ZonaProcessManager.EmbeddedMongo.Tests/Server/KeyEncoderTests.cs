using CsCheck;
using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Storage;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Server;

public sealed class KeyEncoderTests
{
    [Fact]
    public void Numbers_the_query_language_calls_equal_share_one_index_key()
    {
        var expected = KeyEncoder.Encode(new BsonInt32(1));

        Assert.Equal(expected, KeyEncoder.Encode(new BsonInt64(1)));
        Assert.Equal(expected, KeyEncoder.Encode(new BsonDouble(1.0)));
        Assert.Equal(expected, KeyEncoder.Encode(new BsonDecimal128(1m)));
        Assert.Equal(KeyEncoder.Encode(new BsonDouble(0.0)), KeyEncoder.Encode(new BsonDouble(-0.0)));
    }

    [Fact]
    public void Values_of_different_types_never_share_a_key()
    {
        BsonValue[] values = [1, "1", true, BsonNull.Value, new BsonDocument("a", 1), new BsonArray { 1 }, new ObjectId("0123456789abcdef01234567"), new BsonDateTime(1)];
        var keys = values.Select(v => Convert.ToHexString(KeyEncoder.Encode(v))).ToList();

        Assert.Equal(keys.Count, keys.Distinct().Count());
    }

    [Fact]
    public void Date_keys_sort_in_time_order_so_the_TTL_monitor_can_range_scan()
    {
        Gen.Long[-62_135_596_800_000L, 253_402_300_799_000L].Select(Gen.Long[-62_135_596_800_000L, 253_402_300_799_000L]).Sample((a, b) =>
        {
            var byBytes = ((ReadOnlySpan<byte>)KeyEncoder.Encode(new BsonDateTime(a))).SequenceCompareTo(KeyEncoder.Encode(new BsonDateTime(b)));
            Assert.Equal(Math.Sign(a.CompareTo(b)), Math.Sign(byBytes));
        });
    }

    [Fact]
    public void Distinct_strings_get_distinct_keys()
    {
        Gen.String.Select(Gen.String).Where((a, b) => a != b).Sample((a, b) =>
            Assert.NotEqual(KeyEncoder.Encode(new BsonString(a)), KeyEncoder.Encode(new BsonString(b))));
    }
}
