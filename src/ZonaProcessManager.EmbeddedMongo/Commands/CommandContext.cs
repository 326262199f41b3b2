using MongoDB.Bson;
using ZonaProcessManager.EmbeddedMongo.Storage;

namespace ZonaProcessManager.EmbeddedMongo.Commands;

/// <summary>One command invocation.</summary>
public sealed record CommandContext(ServerContext Server, ConnectionInfo Connection, string Database, BsonDocument Body, CancellationToken CancellationToken)
{
    /// <summary>The session's open transaction when the command carries autocommit: false.</summary>
    public StoreTransaction? Transaction { get; init; }

    /// <summary>The lsid.id of the command, when it has one.</summary>
    public string? SessionKey { get; init; }

    /// <summary>The client's bytes of the documents that came as OP_MSG document sequences (see <see cref="Wire.WireRequest"/>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<byte[]>>? EncodedSequences { get; init; }

    /// <summary>The client's encoding of <paramref name="field"/>[<paramref name="index"/>] when it came in a document sequence, else null.</summary>
    public byte[]? EncodedDocument(string field, int index) =>
        EncodedSequences is { } sequences && sequences.TryGetValue(field, out var documents) && index < documents.Count ? documents[index] : null;

    /// <summary>The catalog this command sees: the transaction's own when inside one.</summary>
    public Catalog Catalog => Transaction?.Catalog ?? Store.Catalog;

    /// <summary>Set by the dispatcher when this command is a retryable write (lsid and txnNumber, no transaction).</summary>
    public RetryableWrite? Retryable { get; init; }

    /// <summary>Runs a write in the session's transaction, or in a transaction of its own.</summary>
    public T Write<T>(Func<WriteScope, T> work) => Transaction is { } transaction ? transaction.Run(work) : Store.Write(work);

    /// <summary>
    /// A write whose result is the command's reply. Outside a session's transaction it joins the store's group commit
    /// (<see cref="MongoStore.WriteAsync"/>), sharing a commit with concurrent writes. For a retryable write the reply is
    /// recorded with the write, in the same transaction, so that a retry is answered from it even after a crash (see
    /// <see cref="RetryableWriteCache"/>). A <paramref name="bulk"/> write (more than one statement) commits on its own,
    /// after the single-statement writes waiting with it.
    /// </summary>
    public ValueTask<BsonDocument> WriteReply(Func<WriteScope, BsonDocument> work, bool bulk = false)
    {
        if (Transaction is { } transaction)
        {
            return ValueTask.FromResult(transaction.Run(work));
        }

        if (Retryable is not { } retryable)
        {
            return new ValueTask<BsonDocument>(Store.WriteAsync(work, bulk));
        }

        return new ValueTask<BsonDocument>(Store.WriteAsync(scope =>
        {
            var reply = work(scope);
            if (!scope.TryRecordRetryableWrite(retryable.SessionKey, retryable.TxnNumber, retryable.Command, retryable.Namespace, reply))
            {
                throw new RetryableWriteRaceException();
            }

            return reply;
        }, bulk));
    }

    /// <summary>Reads inside the session's transaction (seeing its own writes), or from the last committed state.</summary>
    public T Read<T>(Func<ReadScope, T> work) => Transaction is { } transaction ? transaction.Run(work) : Store.Read(work);

    public string CommandName => Body.GetElement(0).Name;
    public BsonValue CommandValue => Body[0];
    public MongoStore Store => Server.Store;

    /// <summary>The collection named by the command's first field, e.g. find: "users".</summary>
    public string CollectionName
    {
        get
        {
            if (CommandValue is not BsonString name || name.Value.Length == 0)
            {
                throw new MongoError(73, "InvalidNamespace", $"collection name has invalid type {CommandValue.BsonType.ToString().ToLowerInvariant()}");
            }

            return name.Value;
        }
    }

    public BsonDocument? OptionalDocument(string field) =>
        Body.TryGetValue(field, out var value) && !value.IsBsonNull
            ? value as BsonDocument ?? throw MongoError.TypeMismatch($"BSON field '{CommandName}.{field}' is the wrong type '{value.BsonType.ToString().ToLowerInvariant()}', expected type 'object'")
            : null;

    /// <summary>
    /// The collation a statement runs with: its own <c>collation</c> (<paramref name="requested"/>), else the
    /// collection's default, else null (simple).
    /// </summary>
    public static Query.Collation? CollationFor(BsonValue? requested, CollectionMeta? collection) => Query.Collation.Of(requested, collection?.Options);

    /// <summary>The command's own collation field, or its collection's default.</summary>
    public Query.Collation? CommandCollation(CollectionMeta? collection) => CollationFor(Body.GetValue("collation", BsonNull.Value), collection);

    /// <summary>The command's <c>let</c> variables, evaluated once; null without <c>let</c>.</summary>
    public IReadOnlyDictionary<string, BsonValue>? Variables() => Aggregation.CommandVariables.Parse(Body.GetValue("let", BsonNull.Value));

    public bool Flag(string field, bool fallback = false) =>
        Body.TryGetValue(field, out var value) && !value.IsBsonNull ? value.ToBoolean() : fallback;

    public long? OptionalNumber(string field)
    {
        if (!Body.TryGetValue(field, out var value) || value.IsBsonNull)
        {
            return null;
        }

        return value.IsNumeric ? value.ToInt64() : throw MongoError.TypeMismatch($"BSON field '{CommandName}.{field}' is the wrong type '{value.BsonType.ToString().ToLowerInvariant()}', expected a number");
    }
}
