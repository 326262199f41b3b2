using CsCheck;
using MongoDB.Bson;

namespace ZonaProcessManager.Testing.Documents;

/// <summary>One change that may break a ServiceSpec document: set a field (dotted path, [i] for array items) or remove it.</summary>
public sealed record DocumentMutation(string Path, BsonValue? Value)
{
    public override string ToString() => Value is null ? $"remove {Path}" : $"set {Path} = {Describe(Value)}";

    private static string Describe(BsonValue value)
    {
        var text = value.ToString() ?? "";
        return text.Length <= 80 ? $"{value.BsonType}:{text}" : $"{value.BsonType}:{text[..40]}…({text.Length} chars)";
    }
}

/// <summary>
/// ServiceSpec documents broken the ways a hand-written or bypassing client breaks them: wrong BSON types, nulls, empty
/// arrays and documents, huge strings (up to 1 MB), deep nesting, unicode, numbers out of range, missing fields,
/// unknown fields and wrong kinds. Each starts from a valid document with a unique name and gets 1-3 mutations.
/// </summary>
public static class MalformedServiceSpecs
{
    /// <summary>
    /// Deep enough to hurt recursive readers, shallow enough for the driver's and MongoDB's 100-level limit even when two
    /// mutations stack nested values in one document (at 80 a corpus document once exceeded it and the driver refused
    /// to send the insert).
    /// </summary>
    public const int MaxNesting = 40;

    private static readonly string[] Paths =
    [
        "apiVersion", "kind", "metadata", "metadata.name", "metadata.tenant", "metadata.labels", "metadata.labels.team",
        "metadata.annotations", "metadata.deletionRequested", "metadata.ownerReferences", "spec", "spec.image",
        "spec.command", "spec.command[0]", "spec.env", "spec.env.GREETING", "spec.replicas", "spec.ports",
        "spec.ports[0]", "spec.ports[0].container", "spec.ports[0].host", "spec.ports[0].protocol", "spec.ports[0].hostIp",
        "spec.volumes", "spec.volumes[0]", "spec.volumes[0].name", "spec.volumes[0].target", "spec.volumes[0].hostPath",
        "spec.volumes[0].readOnly", "spec.networks", "spec.healthCheck", "spec.healthCheck.http",
        "spec.healthCheck.http.port", "spec.healthCheck.http.path", "spec.healthCheck.intervalSeconds",
        "spec.healthCheck.retries", "spec.restartPolicy", "spec.resources", "spec.resources.cpus",
        "spec.resources.memoryMb", "spec.dependsOn", "spec.dependsOn[0]", "spec.category", "spec.update",
        "spec.update.order", "spec.update.parallelism", "spec.suspended", "spec.colour", "metadata.extra",
    ];

    private static readonly Gen<string> UnicodeText = Gen.OneOfConst(
        "wéb", "сервис", "服务", "🚀🔥", "\u202Eevil", "a\u0000b", "\uFEFF", "ÄÖÜ-ß", "name with spaces", "UPPER",
        "-dash-", "x".PadRight(64, 'x'), "🧪" + new string('é', 70), "../../etc/passwd", "$where", "a.b", "");

    private static readonly Gen<BsonValue> HugeString = Gen.OneOfConst(1_000, 65_536, 262_144, 1_048_576)
        .Select(length => (BsonValue)new BsonString(new string('z', length)));

    private static readonly Gen<BsonValue> OutOfRangeNumber = Gen.OneOfConst<BsonValue>(
        -1, -1.5, 0, 0.5, 1e9, 1e18, 1e300, -1e300, double.NaN, double.PositiveInfinity, double.NegativeInfinity,
        int.MaxValue, int.MinValue, long.MaxValue, long.MinValue, 65536, 70000.0, new BsonDecimal128(Decimal128.MaxValue),
        new BsonDecimal128(-0.1m), 3.000000001);

    private static readonly Gen<BsonValue> WrongKind = Gen.OneOfConst<BsonValue>(
        true, false, "text", 42, 4.2, new BsonDateTime(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc)),
        ObjectId.Parse("65a1b2c3d4e5f60718293a4b"), new BsonBinaryData([1, 2, 3]), new BsonRegularExpression("^a"),
        new BsonTimestamp(1, 1), BsonMinKey.Value, BsonMaxKey.Value, new BsonJavaScript("1"), BsonUndefined.Value);

    private static readonly Gen<BsonValue> Empty = Gen.OneOfConst<BsonValue>(BsonNull.Value, new BsonArray(), new BsonDocument(), "");

    private static readonly Gen<BsonValue> Nested = Gen.Int[2, MaxNesting].Select(Gen.Bool, (depth, arrays) => Nest(depth, arrays));

    private static readonly Gen<BsonValue> SmallCollection = Gen.OneOf<BsonValue>(
        UnicodeText.Array[1, 4].Select(items => (BsonValue)new BsonArray(items)),
        WrongKind.Array[1, 3].Select(items => (BsonValue)new BsonArray(items)),
        UnicodeText.Select(WrongKind, (key, value) => (BsonValue)new BsonDocument(UsableFieldName(key), value)));

    /// <summary>Any value a field could wrongly hold.</summary>
    public static readonly Gen<BsonValue> BadValue = Gen.Frequency<BsonValue>(
        (6, WrongKind),
        (5, Empty),
        (5, OutOfRangeNumber),
        (5, UnicodeText.Select(text => (BsonValue)new BsonString(text))),
        (3, SmallCollection),
        (2, Nested),
        (1, HugeString));

    public static readonly Gen<DocumentMutation> Mutation = Gen.Frequency<DocumentMutation>(
        (4, Gen.OneOfConst(Paths).Select(BadValue, (path, value) => new DocumentMutation(path, value))),
        (1, Gen.OneOfConst(Paths).Select(path => new DocumentMutation(path, null))));

    public static readonly Gen<DocumentMutation[]> Mutations = Mutation.Array[1, 3];

    /// <summary>A valid, fully populated ServiceSpec as mongosh would write it (numbers as doubles).</summary>
    public static BsonDocument Valid(string tenant, string name) => new()
    {
        ["_id"] = $"{tenant}/{name}",
        ["apiVersion"] = "zpm/v1",
        ["kind"] = "ServiceSpec",
        ["metadata"] = new BsonDocument
        {
            ["name"] = name,
            ["tenant"] = tenant,
            ["labels"] = new BsonDocument { ["team"] = "corpus" },
            ["annotations"] = new BsonDocument(),
        },
        ["spec"] = new BsonDocument
        {
            ["image"] = "zpm/busybox:latest",
            ["command"] = new BsonArray { "/bin/httpd", "-f", "-p", "8080" },
            ["env"] = new BsonDocument { ["GREETING"] = "hello" },
            ["replicas"] = 1.0,
            ["ports"] = new BsonArray { new BsonDocument { ["container"] = 8080.0, ["host"] = "auto" } },
            ["volumes"] = new BsonArray { new BsonDocument { ["name"] = $"{name}-data", ["target"] = "/data" } },
            ["networks"] = new BsonArray(),
            ["healthCheck"] = new BsonDocument
            {
                ["http"] = new BsonDocument { ["port"] = 8080.0, ["path"] = "/" },
                ["intervalSeconds"] = 2.0,
                ["retries"] = 3.0,
            },
            ["restartPolicy"] = "always",
            ["resources"] = new BsonDocument { ["cpus"] = 0.5, ["memoryMb"] = 64.0 },
            ["dependsOn"] = new BsonArray(),
            ["category"] = "app",
            ["update"] = new BsonDocument { ["order"] = "start-first", ["parallelism"] = 1.0 },
            ["suspended"] = false,
        },
    };

    /// <summary>
    /// A valid document named <paramref name="name"/> with the mutations applied. A string written to metadata.name or
    /// metadata.tenant gets the name appended, so two documents of a corpus never claim the same (tenant, name).
    /// </summary>
    public static BsonDocument Build(string tenant, string name, IEnumerable<DocumentMutation> mutations)
    {
        var document = Valid(tenant, name);
        foreach (var mutation in mutations)
        {
            var value = mutation.Value;
            if (value is BsonString text && mutation.Path is "metadata.name" or "metadata.tenant")
            {
                value = new BsonString(text.Value + name);
            }

            // The generators hand out shared constants (one empty document for every "{}" they pick): each document
            // gets its own copy, or a later mutation writing below it would change other documents, or nest the
            // document inside itself, which no driver can serialize.
            Apply(document, mutation.Path, value?.DeepClone());
        }

        return document;
    }

    /// <summary><paramref name="count"/> documents of tenant <paramref name="tenant"/>, named &lt;prefix&gt;-0000 onwards.</summary>
    public static IReadOnlyList<(BsonDocument Document, DocumentMutation[] Mutations)> Corpus(string tenant, string prefix, int count)
    {
        var mutations = Mutations.Array[count].Single();
        return [.. mutations.Select((m, i) => (Build(tenant, $"{prefix}-{i:D4}", m), m))];
    }

    // Drivers refuse field names that are empty, hold NUL, start with '$' or contain '.', before anything is sent.
    private static string UsableFieldName(string key) =>
        key.Length == 0 || key.Contains('\0', StringComparison.Ordinal) || key.StartsWith('$') || key.Contains('.', StringComparison.Ordinal) ? "k" : key;

    private static BsonValue Nest(int depth, bool arrays)
    {
        BsonValue value = "bottom";
        for (var i = 0; i < depth; i++)
        {
            value = arrays && i % 2 == 0 ? new BsonArray { value } : new BsonDocument("n", value);
        }

        return value;
    }

    /// <summary>Sets (value) or removes (null) the field at a dotted path; a parent that is not a container is left as is.</summary>
    private static void Apply(BsonDocument document, string path, BsonValue? value)
    {
        var segments = path.Split('.');
        BsonValue current = document;
        for (var i = 0; i < segments.Length; i++)
        {
            var (field, index) = Parse(segments[i]);
            var last = i == segments.Length - 1;
            if (current is not BsonDocument parent)
            {
                return;
            }

            if (index is null)
            {
                if (last)
                {
                    if (value is null)
                    {
                        parent.Remove(field);
                    }
                    else
                    {
                        parent[field] = value;
                    }

                    return;
                }

                if (!parent.TryGetValue(field, out current))
                {
                    return;
                }

                continue;
            }

            if (!parent.TryGetValue(field, out var arrayValue) || arrayValue is not BsonArray array || array.Count <= index.Value)
            {
                return;
            }

            if (last)
            {
                if (value is null)
                {
                    array.RemoveAt(index.Value);
                }
                else
                {
                    array[index.Value] = value;
                }

                return;
            }

            current = array[index.Value];
        }
    }

    private static (string Field, int? Index) Parse(string segment)
    {
        var open = segment.IndexOf('[', StringComparison.Ordinal);
        return open < 0
            ? (segment, null)
            : (segment[..open], int.Parse(segment[(open + 1)..^1], System.Globalization.CultureInfo.InvariantCulture));
    }
}
