using System.Text.RegularExpressions;
using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

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
