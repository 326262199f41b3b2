using MongoDB.Bson;
using MongoDB.Bson.IO;
using YamlDotNet.Serialization;

namespace ZonaProcessManager.Cli.Output;

/// <summary>Renders stored documents as JSON (relaxed Extended JSON, what mongosh users read) or YAML (what they apply).</summary>
public static class DocumentFormatter
{
    private static readonly JsonWriterSettings Json = new() { OutputMode = JsonOutputMode.RelaxedExtendedJson, Indent = true };

    public static string ToJson(IEnumerable<BsonDocument> documents) => new BsonArray(documents).ToJson(Json);

    public static string ToJson(BsonDocument document) => document.ToJson(Json);

    public static string ToYaml(object? value) => new SerializerBuilder().Build().Serialize(ToPlain(value is BsonValue bson ? bson : null) ?? value);

    public static string ToYaml(BsonValue value) => new SerializerBuilder().Build().Serialize(ToPlain(value));

    /// <summary>BSON → dictionaries, lists and scalars YamlDotNet can write, keeping field order.</summary>
    public static object? ToPlain(BsonValue? value) => value switch
    {
        null or BsonNull => null,
        BsonDocument document => document.Elements.ToDictionary(element => element.Name, element => ToPlain(element.Value)),
        BsonArray array => array.Select(ToPlain).ToList(),
        BsonString text => text.AsString,
        BsonInt32 number => number.AsInt32,
        BsonInt64 number => number.AsInt64,
        BsonDouble number => number.AsDouble,
        BsonDecimal128 number => number.AsDecimal,
        BsonBoolean flag => flag.AsBoolean,
        BsonDateTime time => time.ToUniversalTime().ToString("O"),
        BsonObjectId id => id.ToString(),
        _ => value.ToString(),
    };
}
