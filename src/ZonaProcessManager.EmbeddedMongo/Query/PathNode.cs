using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

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
