using MongoDB.Bson;

namespace ZonaProcessManager.EmbeddedMongo.Query;

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
