using System.Text.RegularExpressions;
using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

/// <summary>
/// One node of a compiled filter. <paramref name="root"/> is usually a document; a node whose path is empty tests the
/// value itself (used by value-form $elemMatch and $pull conditions). <paramref name="positional"/> receives the index
/// of the outermost array element that satisfied a predicate, -1 when none did.
/// </summary>
internal abstract class MatchNode
{
    public abstract bool Matches(BsonValue root, ref int positional);
}

internal sealed class AndNode(MatchNode[] children) : MatchNode
{
    public MatchNode[] Children { get; } = children;

    public override bool Matches(BsonValue root, ref int positional)
    {
        foreach (var child in Children)
        {
            if (!child.Matches(root, ref positional))
            {
                return false;
            }
        }

        return true;
    }
}

internal sealed class OrNode(MatchNode[] children) : MatchNode
{
    public override bool Matches(BsonValue root, ref int positional)
    {
        foreach (var child in children)
        {
            if (child.Matches(root, ref positional))
            {
                return true;
            }
        }

        return false;
    }
}

internal sealed class NotNode(MatchNode inner) : MatchNode
{
    public override bool Matches(BsonValue root, ref int positional)
    {
        // A negation never identifies a matching array element, so its inner positional result is discarded.
        int ignored = -1;
        return !inner.Matches(root, ref ignored);
    }
}

internal sealed class ConstantNode(bool value) : MatchNode
{
    public override bool Matches(BsonValue root, ref int positional) => value;
}

internal sealed class DelegateNode(Func<BsonDocument, bool> predicate) : MatchNode
{
    public override bool Matches(BsonValue root, ref int positional) => root is BsonDocument document && predicate(document);
}

/// <summary>A test of one value found at a path. A C# null value means the path is missing.</summary>
internal abstract class ValuePredicate
{
    /// <summary>Whether an array found at the end of the path is also tested element by element (true for most operators).</summary>
    public virtual bool ExpandsArrays => true;

    public abstract bool Test(BsonValue? value);

    /// <summary>Like <see cref="Test(BsonValue?)"/>, also naming the array element that satisfied it (for $elemMatch and "$").</summary>
    public virtual bool Test(BsonValue? value, out int elementIndex)
    {
        elementIndex = -1;
        return Test(value);
    }
}

/// <summary>Walks a dotted path the way MongoDB does: through subdocuments, through arrays of subdocuments, and by numeric index.</summary>
internal sealed class PathNode(string[] path, ValuePredicate predicate) : MatchNode
{
    public override bool Matches(BsonValue root, ref int positional)
    {
        if (path.Length == 0)
        {
            return TestLeaf(root, -1, ref positional);
        }

        return root is BsonDocument document
            ? WalkDocument(document, 0, -1, ref positional)
            : predicate.Test(null);
    }

    private bool WalkDocument(BsonDocument document, int depth, int arrayIndex, ref int positional)
    {
        if (!document.TryGetValue(path[depth], out var value))
        {
            return predicate.Test(null);
        }

        return depth == path.Length - 1
            ? TestLeaf(value, arrayIndex, ref positional)
            : WalkValue(value, depth + 1, arrayIndex, ref positional);
    }

    /// <summary>Applies path[depth..] to a value found at path[depth - 1].</summary>
    private bool WalkValue(BsonValue value, int depth, int arrayIndex, ref int positional)
    {
        if (value is BsonDocument document)
        {
            return WalkDocument(document, depth, arrayIndex, ref positional);
        }

        if (value is not BsonArray array)
        {
            return predicate.Test(null);
        }

        bool anyDocument = false;
        if (TryParseIndex(path[depth], out int index) && index < array.Count)
        {
            anyDocument = true;
            var element = array[index];
            bool found = depth == path.Length - 1
                ? TestLeaf(element, arrayIndex, ref positional)
                : WalkValue(element, depth + 1, arrayIndex, ref positional);
            if (found)
            {
                return true;
            }
        }

        for (int i = 0; i < array.Count; i++)
        {
            if (array[i] is BsonDocument element)
            {
                anyDocument = true;
                if (WalkDocument(element, depth, arrayIndex < 0 ? i : arrayIndex, ref positional))
                {
                    if (positional < 0)
                    {
                        positional = arrayIndex < 0 ? i : arrayIndex;
                    }

                    return true;
                }
            }
        }

        // An array with nothing to descend into leaves the path missing.
        return !anyDocument && predicate.Test(null);
    }

    private bool TestLeaf(BsonValue value, int arrayIndex, ref int positional)
    {
        if (value is BsonArray array && predicate.ExpandsArrays)
        {
            for (int i = 0; i < array.Count; i++)
            {
                if (predicate.Test(array[i]))
                {
                    if (positional < 0)
                    {
                        positional = arrayIndex < 0 ? i : arrayIndex;
                    }

                    return true;
                }
            }
        }

        if (predicate.Test(value, out int elementIndex))
        {
            if (positional < 0 && (arrayIndex >= 0 || elementIndex >= 0))
            {
                positional = arrayIndex >= 0 ? arrayIndex : elementIndex;
            }

            return true;
        }

        return false;
    }

    internal static bool TryParseIndex(string component, out int index)
    {
        index = 0;
        if (component.Length == 0 || component.Length > 9)
        {
            return false;
        }

        foreach (char c in component)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        // MongoDB does not treat "01" as index 1.
        if (component.Length > 1 && component[0] == '0')
        {
            return false;
        }

        index = int.Parse(component, System.Globalization.CultureInfo.InvariantCulture);
        return true;
    }
}

internal sealed class EqualsPredicate(BsonValue operand) : ValuePredicate
{
    public override bool Test(BsonValue? value)
    {
        if (operand.IsBsonNull)
        {
            return value is null || value.IsBsonNull;
        }

        return value is not null && BsonOrder.ValuesEqual(value, operand);
    }
}

internal enum ComparisonKind
{
    GreaterThan,
    GreaterOrEqual,
    LessThan,
    LessOrEqual,
}

/// <summary>$gt/$gte/$lt/$lte only compare values within one canonical type bracket (MinKey/MaxKey operands excepted).</summary>
internal sealed class ComparisonPredicate(ComparisonKind kind, BsonValue operand) : ValuePredicate
{
    private readonly int operandRank = BsonOrder.CanonicalRank(operand.BsonType);
    private readonly bool operandIsBound = operand.BsonType is BsonType.MinKey or BsonType.MaxKey;

    public override bool Test(BsonValue? value)
    {
        value ??= BsonNull.Value;
        if (!operandIsBound && BsonOrder.CanonicalRank(value.BsonType) != operandRank)
        {
            return false;
        }

        // NaN only equals NaN: it is neither greater nor less than any number.
        if (IsNaN(value) != IsNaN(operand))
        {
            return false;
        }

        int c = BsonOrder.Instance.Compare(value, operand);
        return kind switch
        {
            ComparisonKind.GreaterThan => c > 0,
            ComparisonKind.GreaterOrEqual => c >= 0,
            ComparisonKind.LessThan => c < 0,
            _ => c <= 0,
        };
    }

    private static bool IsNaN(BsonValue value) => value.BsonType switch
    {
        BsonType.Double => double.IsNaN(value.AsDouble),
        BsonType.Decimal128 => Decimal128.IsNaN(value.AsDecimal128),
        _ => false,
    };
}

internal sealed class InPredicate : ValuePredicate
{
    private readonly BsonValue[] values;
    private readonly Regex[] regexes;
    private readonly bool containsNull;

    public InPredicate(BsonArray operands)
    {
        var plain = new List<BsonValue>();
        var patterns = new List<Regex>();
        foreach (var operand in operands)
        {
            if (operand is BsonRegularExpression regex)
            {
                patterns.Add(RegexPredicate.Compile(regex.Pattern, regex.Options));
            }
            else
            {
                containsNull |= operand.IsBsonNull;
                plain.Add(operand);
            }
        }

        values = [.. plain];
        regexes = [.. patterns];

        // Large $in lists (e.g. a batch of _ids) would otherwise cost one comparison per listed value per document.
        if (values.Length > 8)
        {
            lookup = new HashSet<BsonValue>(values, Aggregation.BsonValueKeyComparer.Instance);
        }
    }

    private readonly HashSet<BsonValue>? lookup;

    public override bool Test(BsonValue? value)
    {
        if (value is null || value.IsBsonNull)
        {
            return containsNull;
        }

        if (lookup is not null)
        {
            if (lookup.Contains(value))
            {
                return true;
            }
        }
        else
        {
            foreach (var candidate in values)
            {
                if (BsonOrder.ValuesEqual(value, candidate))
                {
                    return true;
                }
            }
        }

        if (regexes.Length > 0 && RegexPredicate.TryGetText(value, out var text))
        {
            foreach (var regex in regexes)
            {
                if (RegexPredicate.IsMatch(regex, text))
                {
                    return true;
                }
            }
        }

        return false;
    }
}

internal sealed class ExistsPredicate : ValuePredicate
{
    public static readonly ExistsPredicate Instance = new();

    public override bool ExpandsArrays => false;

    public override bool Test(BsonValue? value) => value is not null;
}

internal sealed class TypePredicate(BsonType[] types) : ValuePredicate
{
    public override bool Test(BsonValue? value) => value is not null && Array.IndexOf(types, value.BsonType) >= 0;
}

internal sealed class SizePredicate(int size) : ValuePredicate
{
    public override bool ExpandsArrays => false;

    public override bool Test(BsonValue? value) => value is BsonArray array && array.Count == size;
}

internal sealed class ModPredicate(long divisor, long remainder) : ValuePredicate
{
    public override bool Test(BsonValue? value)
    {
        if (value is null || !BsonTypeNames.IsNumber(value))
        {
            return false;
        }

        long number;
        if (value.BsonType is BsonType.Double or BsonType.Decimal128)
        {
            double d = value.ToDouble();
            if (double.IsNaN(d) || double.IsInfinity(d))
            {
                return false;
            }

            number = (long)Math.Truncate(d);
        }
        else
        {
            number = value.ToInt64();
        }

        return divisor == -1 ? remainder == 0 : number % divisor == remainder;
    }
}

internal sealed class RegexPredicate(Regex regex, BsonRegularExpression original) : ValuePredicate
{
    public override bool Test(BsonValue? value)
    {
        if (value is null)
        {
            return false;
        }

        if (value is BsonRegularExpression other)
        {
            return other.Pattern == original.Pattern && other.Options == original.Options;
        }

        return TryGetText(value, out var text) && IsMatch(regex, text);
    }

    /// <summary>A pattern that backtracks past its time budget fails the query with a clear error instead of hanging it.</summary>
    internal static bool IsMatch(Regex regex, string text)
    {
        try
        {
            return regex.IsMatch(text);
        }
        catch (RegexMatchTimeoutException)
        {
            throw MongoError.BadValue($"regular expression /{regex}/ took too long to evaluate; simplify the pattern");
        }
    }

    internal static bool TryGetText(BsonValue value, out string text)
    {
        switch (value)
        {
            case BsonString s:
                text = s.Value;
                return true;
            case BsonSymbol symbol:
                text = symbol.Name;
                return true;
            default:
                text = "";
                return false;
        }
    }

    /// <summary>Translates PCRE options (i, m, s, x, u) to .NET; anything else is rejected as MongoDB does.</summary>
    internal static Regex Compile(string pattern, string options)
    {
        var regexOptions = RegexOptions.CultureInvariant;
        foreach (char option in options)
        {
            regexOptions |= option switch
            {
                'i' => RegexOptions.IgnoreCase,
                'm' => RegexOptions.Multiline,
                's' => RegexOptions.Singleline,
                'x' => RegexOptions.IgnorePatternWhitespace,
                'u' => RegexOptions.None,
                _ => throw new MongoError(51108, "Location51108", $"invalid flag in regex options: {option}"),
            };
        }

        try
        {
            // A timeout keeps one pathological pattern from stalling the server on a large collection.
            return new Regex(pattern, regexOptions, TimeSpan.FromSeconds(5));
        }
        catch (ArgumentException e)
        {
            throw new MongoError(51091, "Location51091", $"Regular expression is invalid: {e.Message}");
        }
    }
}

/// <summary>$elemMatch: some element of an array (never the array as a whole) satisfies the inner query.</summary>
internal sealed class ElemMatchPredicate(MatchNode inner, bool documentsOnly) : ValuePredicate
{
    public override bool ExpandsArrays => false;

    public override bool Test(BsonValue? value) => Test(value, out _);

    public override bool Test(BsonValue? value, out int elementIndex)
    {
        elementIndex = -1;
        if (value is not BsonArray array)
        {
            return false;
        }

        for (int i = 0; i < array.Count; i++)
        {
            var element = array[i];
            if (documentsOnly && element is not BsonDocument)
            {
                continue;
            }

            int ignored = -1;
            if (inner.Matches(element, ref ignored))
            {
                elementIndex = i;
                return true;
            }
        }

        return false;
    }
}
