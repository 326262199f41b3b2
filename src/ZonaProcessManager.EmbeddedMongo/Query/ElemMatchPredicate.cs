using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

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
