using System.Globalization;
using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.ChangeStreams;

/// <summary>
/// A change-stream resume token {_data: "82&lt;ts&gt;&lt;seq&gt;&lt;flag&gt;"}: the cluster time and journal sequence of an event
/// (or of the position a batch reached), plus whether it is an invalidate. Opaque to clients, as MongoDB's are.
/// </summary>
public readonly record struct ResumeToken(long Timestamp, long Sequence, bool IsInvalidate)
{
    private const string Prefix = "82";

    public BsonDocument ToDocument() =>
        new("_data", $"{Prefix}{Timestamp:X16}{Sequence:X16}{(IsInvalidate ? 1 : 0):X2}");

    public static ResumeToken Parse(BsonValue value)
    {
        if (value is BsonDocument document && document.TryGetValue("_data", out var data) && data is BsonString text)
        {
            var hex = text.Value;
            if (hex.Length == 36 && hex.StartsWith(Prefix, StringComparison.Ordinal)
                && long.TryParse(hex.AsSpan(2, 16), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var timestamp)
                && long.TryParse(hex.AsSpan(18, 16), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var sequence)
                && byte.TryParse(hex.AsSpan(34, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var flag))
            {
                return new ResumeToken(timestamp, sequence, flag == 1);
            }
        }

        throw new MongoError(260, "InvalidResumeToken", $"Bad resume token: {value.ToJson()} was not issued by this server");
    }
}
