using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

/// <summary>Reading and writing concrete paths (numeric components index arrays; no implicit traversal of arrays).</summary>
internal static class UpdatePaths
{
    public static BsonValue? Get(BsonValue root, string[] path, int length = -1)
    {
        if (length < 0)
        {
            length = path.Length;
        }

        BsonValue? current = root;
        for (int i = 0; i < length && current is not null; i++)
        {
            current = Child(current, path[i]);
        }

        return current;
    }

    public static BsonValue? Child(BsonValue container, string name) => container switch
    {
        BsonDocument document => document.TryGetValue(name, out var value) ? value : null,
        BsonArray array when PathNode.TryParseIndex(name, out int index) && index < array.Count => array[index],
        _ => null,
    };

    /// <summary>Finds or creates the container that holds the last component of <paramref name="path"/>.</summary>
    public static bool TryGetParentForWrite(BsonDocument root, string[] path, out BsonValue parent, bool throwIfNotViable = false)
    {
        BsonValue current = root;
        for (int i = 0; i < path.Length - 1; i++)
        {
            var next = Child(current, path[i]);
            if (next is null)
            {
                if (current is BsonArray && !PathNode.TryParseIndex(path[i], out _))
                {
                    return Fail(current, path[i], throwIfNotViable, out parent);
                }

                next = new BsonDocument();
                SetChild(current, path[i], next);
            }
            else if (next is not (BsonDocument or BsonArray))
            {
                return Fail(next, path[i + 1], throwIfNotViable, out parent, path[i]);
            }

            current = next;
        }

        if (current is BsonArray && !PathNode.TryParseIndex(path[^1], out _))
        {
            return Fail(current, path[^1], throwIfNotViable, out parent);
        }

        parent = current;
        return true;
    }

    private static bool Fail(BsonValue element, string field, bool throwIfNotViable, out BsonValue parent, string? elementName = null)
    {
        if (throwIfNotViable)
        {
            string described = elementName is null ? element.ToString()! : $"{{{elementName}: {element}}}";
            throw new MongoError(28, "PathNotViable", $"Cannot create field '{field}' in element {described}");
        }

        parent = BsonNull.Value;
        return false;
    }

    public static void SetChild(BsonValue parent, string name, BsonValue value)
    {
        if (parent is BsonDocument document)
        {
            document[name] = value;
            return;
        }

        var array = (BsonArray)parent;
        int index = int.Parse(name, System.Globalization.CultureInfo.InvariantCulture);
        while (array.Count < index)
        {
            array.Add(BsonNull.Value);
        }

        if (index == array.Count)
        {
            array.Add(value);
        }
        else
        {
            array[index] = value;
        }
    }

    /// <summary>Removes a field; an array element cannot be removed by path, so it becomes null (as $unset does).</summary>
    public static void RemoveChild(BsonValue parent, string name)
    {
        if (parent is BsonDocument document)
        {
            document.Remove(name);
        }
        else if (parent is BsonArray array && PathNode.TryParseIndex(name, out int index) && index < array.Count)
        {
            array[index] = BsonNull.Value;
        }
    }
}
