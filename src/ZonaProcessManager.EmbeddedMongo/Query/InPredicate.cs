using System.Text.RegularExpressions;
using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

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

        // The hashed lookup compares strings binary; under a collation the list is walked with the collation's comparison.
        if (lookup is not null && Collation.Current is null)
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
