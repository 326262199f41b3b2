using System.Globalization;
using System.Text.RegularExpressions;
using MongoDB.Bson;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ZonaProcessManager.Cli.Manifests;

/// <summary>
/// YAML nodes → BSON with YAML 1.2 core-schema typing: plain scalars that look like integers, floats, booleans or null
/// become those types, quoted scalars stay strings (so `PORT: "8080"` is a string and `replicas: 3` an integer). JSON
/// is valid YAML 1.2, so .json manifests go through the same path.
/// </summary>
public static partial class YamlBson
{
    public static BsonValue ToBson(YamlNode node) => node switch
    {
        YamlMappingNode mapping => ToDocument(mapping),
        YamlSequenceNode sequence => new BsonArray(sequence.Children.Select(ToBson)),
        YamlScalarNode scalar => ToScalar(scalar),
        _ => throw new YamlException(node.Start, node.End, $"unsupported YAML node {node.NodeType}"),
    };

    public static BsonDocument ToDocument(YamlMappingNode mapping)
    {
        var document = new BsonDocument();
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key })
            {
                throw new YamlException(keyNode.Start, keyNode.End, "mapping keys must be plain strings");
            }

            if (document.Contains(key))
            {
                throw new YamlException(keyNode.Start, keyNode.End, $"duplicate key \"{key}\"");
            }

            document[key] = ToBson(valueNode);
        }

        return document;
    }

    private static BsonValue ToScalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        var explicitString = !scalar.Tag.IsEmpty && !scalar.Tag.IsNonSpecific && scalar.Tag.Value == "tag:yaml.org,2002:str";
        if (scalar.Style is not ScalarStyle.Plain || explicitString)
        {
            return new BsonString(text);
        }

        if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            return BsonNull.Value;
        }

        if (text is "true" or "True" or "TRUE")
        {
            return BsonBoolean.True;
        }

        if (text is "false" or "False" or "FALSE")
        {
            return BsonBoolean.False;
        }

        if (IntegerPattern().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return integer is >= int.MinValue and <= int.MaxValue ? new BsonInt32((int)integer) : new BsonInt64(integer);
        }

        if (FloatPattern().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return new BsonDouble(number);
        }

        return new BsonString(text);
    }

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
