using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Storage;

/// <summary>
/// Computes a change event's updateDescription (updatedFields, removedFields, truncatedArrays, disambiguatedPaths) from
/// the document before and after an update, in the shape MongoDB 7.0 reports.
/// An operator update is described as MongoDB logs it: each changed path down to the depth its operators named, so
/// <c>$set: {a: [0]}</c> reports the whole new array while <c>$set: {"a.0.b": 1}</c> reports "a.0.b". A pipeline update is
/// described as MongoDB's delta diff: into sub-documents and arrays element by element (an array that got shorter is a
/// truncatedArrays entry), but only where that diff is smaller than the new value itself, else the whole value.
/// </summary>
public static class UpdateDescriptions
{
    /// <param name="operatorPaths">
    /// The paths the update's operators name (components, "$"-prefixed ones match any field or element); null for a
    /// pipeline update.
    /// </param>
    public static BsonDocument Describe(BsonDocument before, BsonDocument after, IReadOnlyList<string[]>? operatorPaths)
    {
        var entries = new List<Entry>();
        DiffDocument(before, after, [], operatorPaths, entries);
        var updated = new BsonDocument();
        var removed = new BsonArray();
        var truncated = new BsonArray();
        var disambiguated = new BsonDocument();
        foreach (var entry in entries)
        {
            var path = string.Join('.', entry.Path.Select(c => c.Name));
            switch (entry.Kind)
            {
                case EntryKind.Updated:
                    updated[path] = entry.Value!;
                    break;
                case EntryKind.Removed:
                    removed.Add(path);
                    break;
                case EntryKind.Truncated:
                    truncated.Add(new BsonDocument { { "field", path }, { "newSize", entry.NewSize } });
                    break;
            }

            // A path is ambiguous when a field name holds a dot or is all digits (it could be read as an array index);
            // array indices alone are not, as MongoDB lists them.
            if (entry.Path.Any(c => !c.IsArrayIndex && (c.Name.Contains('.', StringComparison.Ordinal) || IsAllDigits(c.Name))))
            {
                disambiguated[path] = new BsonArray(entry.Path.Select(c => c.IsArrayIndex ? (BsonValue)int.Parse(c.Name, System.Globalization.CultureInfo.InvariantCulture) : c.Name));
            }
        }

        return new BsonDocument
        {
            { "updatedFields", updated },
            { "removedFields", removed },
            { "truncatedArrays", truncated },
            { "disambiguatedPaths", disambiguated },
        };
    }

    private enum EntryKind
    {
        Updated,
        Removed,
        Truncated,
    }

    private readonly record struct Component(string Name, bool IsArrayIndex);

    private sealed record Entry(EntryKind Kind, Component[] Path, BsonValue? Value, int NewSize)
    {
        /// <summary>Roughly the bytes this entry takes in MongoDB's delta format: the field name plus its value.</summary>
        public int ApproximateSize => 2 + Path[^1].Name.Length + Kind switch
        {
            EntryKind.Updated => ApproximateBsonSize(Value!),
            EntryKind.Truncated => 8,
            _ => 1,
        };
    }

    private static void DiffDocument(BsonDocument before, BsonDocument after, Component[] prefix, IReadOnlyList<string[]>? operatorPaths, List<Entry> entries)
    {
        foreach (var element in after)
        {
            Component[] path = [.. prefix, new Component(element.Name, false)];
            if (!before.TryGetValue(element.Name, out var old))
            {
                entries.Add(new Entry(EntryKind.Updated, path, element.Value, 0));
            }
            else if (!old.Equals(element.Value))
            {
                DiffValue(old, element.Value, path, operatorPaths, entries);
            }
        }

        foreach (var element in before)
        {
            if (!after.Contains(element.Name))
            {
                entries.Add(new Entry(EntryKind.Removed, [.. prefix, new Component(element.Name, false)], null, 0));
            }
        }
    }

    private static void DiffArray(BsonArray before, BsonArray after, Component[] prefix, IReadOnlyList<string[]>? operatorPaths, List<Entry> entries)
    {
        for (var index = 0; index < after.Count; index++)
        {
            Component[] path = [.. prefix, new Component(index.ToString(System.Globalization.CultureInfo.InvariantCulture), true)];
            if (index >= before.Count)
            {
                entries.Add(new Entry(EntryKind.Updated, path, after[index], 0));
            }
            else if (!before[index].Equals(after[index]))
            {
                DiffValue(before[index], after[index], path, operatorPaths, entries);
            }
        }

        if (after.Count < before.Count)
        {
            entries.Add(new Entry(EntryKind.Truncated, prefix, null, after.Count));
        }
    }

    private static void DiffValue(BsonValue old, BsonValue value, Component[] path, IReadOnlyList<string[]>? operatorPaths, List<Entry> entries)
    {
        var bothDocuments = old is BsonDocument && value is BsonDocument;
        var bothArrays = old is BsonArray && value is BsonArray;
        if (!(bothDocuments || bothArrays) || (operatorPaths is not null && !AnyOperatorGoesBelow(operatorPaths, path)))
        {
            entries.Add(new Entry(EntryKind.Updated, path, value, 0));
            return;
        }

        var nested = new List<Entry>();
        if (bothDocuments)
        {
            DiffDocument(old.AsBsonDocument, value.AsBsonDocument, path, operatorPaths, nested);
        }
        else
        {
            DiffArray(old.AsBsonArray, value.AsBsonArray, path, operatorPaths, nested);
        }

        // MongoDB's delta keeps a sub-diff only when it is smaller than the new value; an operator's own path is kept as named.
        if (operatorPaths is null && 5 + nested.Sum(e => e.ApproximateSize) >= ApproximateBsonSize(value))
        {
            entries.Add(new Entry(EntryKind.Updated, path, value, 0));
            return;
        }

        entries.AddRange(nested);
    }

    private static bool AnyOperatorGoesBelow(IReadOnlyList<string[]> operatorPaths, Component[] path)
    {
        foreach (var operatorPath in operatorPaths)
        {
            if (operatorPath.Length <= path.Length)
            {
                continue;
            }

            var matches = true;
            for (var i = 0; i < path.Length && matches; i++)
            {
                matches = operatorPath[i].StartsWith('$') || operatorPath[i] == path[i].Name;
            }

            if (matches)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsAllDigits(string name) => name.Length > 0 && name.All(char.IsAsciiDigit);

    private static int ApproximateBsonSize(BsonValue value) => value switch
    {
        BsonDocument document => 5 + document.Sum(e => 2 + e.Name.Length + ApproximateBsonSize(e.Value)),
        BsonArray array => 5 + array.Select((item, index) => 2 + (index < 10 ? 1 : index < 100 ? 2 : 4) + ApproximateBsonSize(item)).Sum(),
        BsonString text => 5 + System.Text.Encoding.UTF8.GetByteCount(text.Value),
        BsonBinaryData binary => 5 + binary.Bytes.Length,
        BsonInt32 => 4,
        BsonBoolean => 1,
        BsonNull or BsonUndefined or BsonMinKey or BsonMaxKey => 0,
        BsonObjectId => 12,
        BsonDecimal128 => 16,
        _ => 8,
    };
}
