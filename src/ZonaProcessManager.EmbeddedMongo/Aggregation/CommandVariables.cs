using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Aggregation;

/// <summary>
/// The variables a command's <c>let</c> defines, visible as <c>$$name</c> to every expression the command evaluates
/// ($expr in filters, pipeline updates, aggregation stages). Like <see cref="Query.Collation"/> they are made current on
/// the running thread by whoever evaluates (a filter while it matches, a handler while it applies an update).
/// </summary>
public static class CommandVariables
{
    private static readonly string[] SystemVariables = ["ROOT", "CURRENT", "REMOVE", "NOW", "CLUSTER_TIME", "SEARCH_META", "USER_ROLES", "IS_MV"];

    [ThreadStatic]
    private static IReadOnlyDictionary<string, BsonValue>? current;

    internal static IReadOnlyDictionary<string, BsonValue>? Current => current;

    /// <summary>
    /// Evaluates a <c>let</c> document once, as MongoDB does (each value is a constant expression); null when absent.
    /// Names follow MongoDB's rule for user variables: a lower-case ASCII letter or a non-ASCII character first, then
    /// letters, digits and underscores.
    /// </summary>
    public static IReadOnlyDictionary<string, BsonValue>? Parse(BsonValue? let)
    {
        if (let is null || let.IsBsonNull)
        {
            return null;
        }

        if (let is not BsonDocument document)
        {
            throw MongoError.TypeMismatch($"BSON field 'let' is the wrong type '{let.BsonType.ToString().ToLowerInvariant()}', expected type 'object'");
        }

        var variables = new Dictionary<string, BsonValue>(StringComparer.Ordinal);
        var empty = new EvaluationContext([]);
        foreach (var element in document)
        {
            ValidateName(element.Name);
            variables[element.Name] = ExpressionParser.Parse(element.Value).Evaluate(empty) ?? BsonNull.Value;
        }

        return variables;
    }

    /// <summary>Makes <paramref name="variables"/> current on this thread until disposed; null leaves the current ones.</summary>
    public static Scope Use(IReadOnlyDictionary<string, BsonValue>? variables)
    {
        if (variables is null)
        {
            return default;
        }

        var previous = current;
        current = variables;
        return new Scope(previous, true);
    }

    private static void ValidateName(string name)
    {
        if (SystemVariables.Contains(name))
        {
            throw MongoError.Location(31486, $"'{name}' is a system variable and cannot be redefined by let");
        }

        if (name.Length == 0 || !(char.IsAsciiLetterLower(name[0]) || name[0] > 127))
        {
            throw MongoError.Location(16870, $"'{name}' starts with an invalid character for a user variable name");
        }

        if (name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '_' || c > 127)))
        {
            throw MongoError.Location(16871, $"'{name}' contains an invalid character for a variable name");
        }
    }

    /// <summary>Restores the variables that were current before <see cref="Use"/>.</summary>
    public readonly struct Scope(IReadOnlyDictionary<string, BsonValue>? previous, bool changed) : IDisposable
    {
        public void Dispose()
        {
            if (changed)
            {
                current = previous;
            }
        }
    }
}
