using Microsoft.Data.Sqlite;
using MongoDB.Bson;
using MongoDB.Bson.IO;
using ZonaProcessManager.EmbeddedMongo.Query;

namespace ZonaProcessManager.EmbeddedMongo.Storage;

/// <summary>
/// The operations of one write transaction. Each data change appends its change-journal entry in the same transaction,
/// so an acknowledged write and its change event are durable together. Catalog changes become visible on commit.
/// </summary>
public sealed class WriteScope : ReadScope
{
    public const int MaxDocumentSize = 16 * 1024 * 1024;
    private int savepointDepth;

    internal WriteScope(MongoStore store, SqlSession sql, SqliteTransaction? transaction, Catalog catalog, long lastTimestamp)
        : base(store, sql, transaction)
    {
        Catalog = catalog;
        LastTimestamp = lastTimestamp;
    }

    public Catalog Catalog { get; private set; }
    public long LastTimestamp { get; private set; }
    public long JournalledSequence { get; private set; }

    // Null when the write runs in a transaction begun by SqlSession.Begin rather than a SqliteTransaction.
    private SqliteTransaction? Tx => Transaction;

    /// <summary>Runs one statement's work so that it applies completely or not at all, while the batch goes on.</summary>
    public T Atomically<T>(Func<T> work)
    {
        // Undoing the statement also undoes what it did to this scope: the catalog, and the journal position that commit
        // announces to change streams. Announcing a rolled-back sequence made every awaiting getMore find nothing new
        // and poll the journal in a loop until some later write filled that sequence.
        var before = (Catalog, LastTimestamp, JournalledSequence);
        if (Tx is null && savepointDepth == 0 && Sql.StatementsSinceBegin == 0)
        {
            // Nothing is written yet in this transaction, so undoing this statement is undoing the transaction: a restart
            // does that, and the common single-statement write saves the SAVEPOINT and RELEASE round through SQLite.
            try
            {
                return work();
            }
            catch
            {
                Sql.Restart();
                (Catalog, LastTimestamp, JournalledSequence) = before;
                throw;
            }
        }

        // Named by nesting depth rather than a running counter so the same few statement texts repeat and stay prepared.
        var name = $"sp{++savepointDepth}";
        Sql.Execute(Tx, "SAVEPOINT " + name);
        try
        {
            var result = work();
            Sql.Execute(Tx, "RELEASE " + name);
            return result;
        }
        catch
        {
            Sql.Execute(Tx, "ROLLBACK TO " + name);
            Sql.Execute(Tx, "RELEASE " + name);
            (Catalog, LastTimestamp, JournalledSequence) = before;
            throw;
        }
        finally
        {
            savepointDepth--;
        }
    }

    /// <summary>
    /// Records, in this write's transaction, that the session's <paramref name="txnNumber"/> was this write with this
    /// reply. False when the session already has a record at this or a newer txnNumber: the write ran twice at once, and
    /// the caller must undo this execution.
    /// </summary>
    public bool TryRecordRetryableWrite(string sessionKey, long txnNumber, string command, string ns, BsonDocument reply) =>
        RetryableWrites.TryRecord(Sql, Tx, sessionKey, txnNumber, command, ns, reply);

    public CollectionMeta EnsureCollection(string database, string collection) =>
        Catalog.Find(database, collection) ?? CreateCollection(database, collection, []);

    public CollectionMeta CreateCollection(string database, string collection, BsonDocument options)
    {
        Names.ValidateDatabase(database);
        Names.ValidateCollection(collection);
        if (Catalog.Find(database, collection) is not null)
        {
            throw MongoError.NamespaceExists($"Collection {database}.{collection} already exists.");
        }

        var uuid = Guid.NewGuid();
        var id = Convert.ToInt64(Sql.Scalar(Tx,
            "INSERT INTO catalog(db, name, uuid, options) VALUES ($db, $name, $uuid, $options) RETURNING id",
            ("$db", database), ("$name", collection), ("$uuid", uuid.ToByteArray()), ("$options", options.ToBson())));
        Sql.Execute(Tx, $"CREATE TABLE docs_{id}(rid INTEGER PRIMARY KEY, idkey BLOB NOT NULL UNIQUE, doc BLOB NOT NULL)");
        var idIndexSpec = new BsonDocument { { "v", 2 }, { "key", new BsonDocument("_id", 1) }, { "name", "_id_" } };
        var indexId = Convert.ToInt64(Sql.Scalar(Tx, "INSERT INTO indexes(coll_id, spec) VALUES ($c, $s) RETURNING id",
            ("$c", id), ("$s", idIndexSpec.ToBson())));
        var meta = new CollectionMeta(id, database, collection, uuid, options, [new IndexMeta(indexId, idIndexSpec)]);
        if (Store.ValidatorFor(meta) is null && options.Contains("validator") && options["validator"] is not BsonDocument)
        {
            throw MongoError.TypeMismatch("'validator' must be an object");
        }

        Catalog = Catalog.With(meta);
        var description = new BsonDocument("idIndex", idIndexSpec.DeepClone()).AddRange(options);
        Journal(meta, new BsonDocument { { "operationType", "create" }, { "operationDescription", description } });
        return meta;
    }

    /// <summary>
    /// Replaces the collection's options. <paramref name="change"/> (the collMod fields applied) is journalled as a
    /// modify event, with the options before it as stateBeforeChange.
    /// </summary>
    public CollectionMeta SetOptions(CollectionMeta collection, BsonDocument options, BsonDocument? change = null, BsonDocument? indexBefore = null)
    {
        var updated = collection with { Options = options };
        _ = Store.ValidatorFor(updated);
        Sql.Execute(Tx, "UPDATE catalog SET options = $o WHERE id = $id", ("$o", options.ToBson()), ("$id", collection.Id));
        Catalog = Catalog.With(updated);
        if (change is not null)
        {
            var stateBefore = new BsonDocument("collectionOptions", new BsonDocument("uuid", UuidOf(collection)).AddRange(collection.Options));
            if (indexBefore is not null)
            {
                stateBefore["indexOptions"] = indexBefore;
            }

            Journal(collection, new BsonDocument
            {
                { "operationType", "modify" },
                { "operationDescription", change },
                { "stateBeforeChange", stateBefore },
            });
        }

        return updated;
    }

    public void DropCollection(CollectionMeta collection)
    {
        Sql.Execute(Tx, $"DROP TABLE IF EXISTS {collection.DocumentTable}");
        foreach (var index in collection.Indexes.Where(i => !i.IsIdIndex))
        {
            Sql.Execute(Tx, $"DROP TABLE IF EXISTS {CollectionMeta.IndexTable(index)}");
        }

        Sql.Execute(Tx, "DELETE FROM indexes WHERE coll_id = $id", ("$id", collection.Id));
        Sql.Execute(Tx, "DELETE FROM catalog WHERE id = $id", ("$id", collection.Id));
        if (!collection.IsView)
        {
            // Dropping a view changes no data: MongoDB reports it to change streams only as an expanded event, which
            // views do not get here.
            Journal(collection, new BsonDocument("operationType", "drop"));
        }

        Catalog = Catalog.Without(collection);
    }

    public void DropDatabase(string database)
    {
        var collections = Catalog.InDatabase(database).ToList();
        if (collections.Count == 0)
        {
            return;
        }

        foreach (var collection in collections)
        {
            DropCollection(collection);
        }

        Journal(database, null, new BsonDocument { { "operationType", "dropDatabase" }, { "ns", new BsonDocument("db", database) } });
    }

    public CollectionMeta Rename(CollectionMeta source, string targetDatabase, string targetCollection, bool dropTarget)
    {
        Names.ValidateDatabase(targetDatabase);
        Names.ValidateCollection(targetCollection);
        var existing = Catalog.Find(targetDatabase, targetCollection);
        var description = new BsonDocument("to", Ns(targetDatabase, targetCollection));
        if (existing is not null)
        {
            if (!dropTarget)
            {
                throw MongoError.NamespaceExists("target namespace exists");
            }

            DropCollection(existing);
            description["dropTarget"] = UuidOf(existing);
        }

        Sql.Execute(Tx, "UPDATE catalog SET db = $db, name = $name WHERE id = $id",
            ("$db", targetDatabase), ("$name", targetCollection), ("$id", source.Id));
        Journal(source, new BsonDocument
        {
            { "operationType", "rename" },
            { "to", Ns(targetDatabase, targetCollection) },
            { "operationDescription", description },
        });
        var renamed = source with { Database = targetDatabase, Name = targetCollection };
        Catalog = Catalog.Without(source).With(renamed);
        return renamed;
    }

    /// <summary>
    /// Creates the index unless an identical one exists (then returns false); builds it over existing documents.
    /// <paramref name="announce"/> journals a createIndexes event; collMod rebuilding an index with new options does not.
    /// </summary>
    public bool CreateIndex(CollectionMeta collection, BsonDocument spec, bool announce = true)
    {
        RejectView(collection);
        var name = spec["name"].AsString;
        var key = spec["key"].AsBsonDocument;
        foreach (var existing in collection.Indexes)
        {
            if (existing.Name == name)
            {
                if (existing.Key.Equals(key) && SameOptions(existing.Spec, spec))
                {
                    return false;
                }

                throw new MongoError(86, "IndexKeySpecsConflict",
                    $"An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: {spec}, existing index: {existing.Spec}");
            }

            if (existing.Key.Equals(key))
            {
                if (SameOptions(existing.Spec, spec))
                {
                    return false;
                }

                throw new MongoError(85, "IndexOptionsConflict",
                    $"An equivalent index already exists with the same name but different options. Requested index: {spec}, existing index: {existing.Spec}");
            }
        }

        var indexId = Convert.ToInt64(Sql.Scalar(Tx, "INSERT INTO indexes(coll_id, spec) VALUES ($c, $s) RETURNING id",
            ("$c", collection.Id), ("$s", spec.ToBson())));
        var index = new IndexMeta(indexId, spec);
        var table = CollectionMeta.IndexTable(index);
        Sql.Execute(Tx, $"CREATE TABLE {table}(key BLOB NOT NULL, rid INTEGER NOT NULL, PRIMARY KEY(key, rid)) WITHOUT ROWID");
        Sql.Execute(Tx, $"CREATE INDEX {table}_rid ON {table}(rid)");
        foreach (var stored in All(collection))
        {
            AddIndexEntries(collection, index, stored.RowId, stored.Document);
        }

        Catalog = Catalog.With(collection with { Indexes = collection.Indexes.Add(index) });
        if (announce)
        {
            Journal(collection, new BsonDocument { { "operationType", "createIndexes" }, { "operationDescription", new BsonDocument("indexes", new BsonArray { spec }) } });
        }

        return true;
    }

    /// <summary>Drops the index; <paramref name="announce"/> journals a dropIndexes event.</summary>
    public void DropIndex(CollectionMeta collection, IndexMeta index, bool announce = true)
    {
        if (index.IsIdIndex)
        {
            throw MongoError.InvalidOptions("cannot drop _id index");
        }

        Sql.Execute(Tx, $"DROP TABLE IF EXISTS {CollectionMeta.IndexTable(index)}");
        Sql.Execute(Tx, "DELETE FROM indexes WHERE id = $id", ("$id", index.Id));
        Catalog = Catalog.With(collection with { Indexes = collection.Indexes.Remove(index) });
        if (announce)
        {
            Journal(collection, new BsonDocument { { "operationType", "dropIndexes" }, { "operationDescription", new BsonDocument("indexes", new BsonArray { index.Spec }) } });
        }
    }

    /// <summary>Inserts a document (an _id is generated first if missing) after validation and unique checks.</summary>
    /// <param name="encoded">
    /// The client's BSON of <paramref name="document"/>, when the document was parsed from it and not changed since: it is
    /// stored as is when no _id had to be added or moved, saving the serialization that was the largest CPU cost of an insert.
    /// </param>
    public BsonDocument Insert(CollectionMeta collection, BsonDocument document, bool bypassValidation = false, byte[]? encoded = null)
    {
        RejectView(collection);
        var stored = WithIdFirst(document);
        var bytes = encoded is not null && ReferenceEquals(stored, document) ? StorableAsEncoded(encoded) : Storable(stored);
        document = stored;
        if (!bypassValidation)
        {
            Validate(collection, document, null);
        }

        var idKey = KeyEncoder.Encode(document["_id"]);
        // One statement both checks and inserts: a clash on idkey inserts nothing.
        var inserted = Sql.Execute(Tx,
            $"INSERT INTO {collection.DocumentTable}(idkey, doc) VALUES ($k, $d) ON CONFLICT(idkey) DO NOTHING", ("$k", idKey), ("$d", bytes));
        if (inserted == 0)
        {
            throw DuplicateKey(collection, collection.Indexes.First(i => i.IsIdIndex), new BsonDocument("_id", document["_id"]));
        }

        var rowId = Sql.LastInsertRowId;
        foreach (var index in collection.Indexes.Where(i => !i.IsIdIndex))
        {
            AddIndexEntries(collection, index, rowId, document);
        }

        Journal(collection, new BsonDocument
        {
            { "operationType", "insert" },
            { "documentKey", new BsonDocument("_id", document["_id"]) },
            // Already serialized for the row: the event copies those bytes instead of serializing the document again.
            { "fullDocument", new RawBsonDocument(bytes) },
        });
        return document;
    }

    /// <summary>
    /// Stores <paramref name="updated"/> in place of <paramref name="original"/>; <paramref name="isReplacement"/> picks the
    /// event type. <paramref name="operatorPaths"/> are the paths an operator update named (null for a pipeline update),
    /// which shape the event's updateDescription.
    /// </summary>
    public BsonDocument Update(CollectionMeta collection, StoredDocument original, BsonDocument updated, bool isReplacement, bool bypassValidation = false,
        IReadOnlyList<string[]>? operatorPaths = null)
    {
        RejectView(collection);
        var originalId = original.Document["_id"];
        if (!updated.TryGetValue("_id", out var newId))
        {
            updated = new BsonDocument("_id", originalId).AddRange(updated);
        }
        else if (!BsonOrder.ValuesEqual(newId, originalId) || newId.BsonType != originalId.BsonType)
        {
            throw new MongoError(66, "ImmutableField",
                $"Performing an update on the path '_id' would modify the immutable field '_id'");
        }
        else if (updated.GetElement(0).Name != "_id")
        {
            updated = WithIdFirst(updated);
        }

        var bytes = Storable(updated);
        if (!bypassValidation)
        {
            Validate(collection, updated, original.Document);
        }

        Sql.Execute(Tx, $"UPDATE {collection.DocumentTable} SET doc = $d WHERE rid = $rid",
            ("$d", bytes), ("$rid", original.RowId));
        foreach (var index in collection.Indexes.Where(i => !i.IsIdIndex))
        {
            Sql.Execute(Tx, $"DELETE FROM {CollectionMeta.IndexTable(index)} WHERE rid = $rid", ("$rid", original.RowId));
            AddIndexEntries(collection, index, original.RowId, updated);
        }

        var change = new BsonDocument
        {
            { "operationType", isReplacement ? "replace" : "update" },
            { "documentKey", new BsonDocument("_id", originalId) },
        };
        if (!isReplacement)
        {
            change["updateDescription"] = UpdateDescriptions.Describe(original.Document, updated, operatorPaths);
        }

        // A replace event always carries the new document; an update's post-image, like every pre-image, is kept only
        // while the collection has changeStreamPreAndPostImages enabled, as MongoDB keeps them.
        var imagesRecorded = RecordsPreAndPostImages(collection);
        if (isReplacement || imagesRecorded)
        {
            change["fullDocument"] = new RawBsonDocument(bytes);
        }

        if (imagesRecorded)
        {
            change["fullDocumentBeforeChange"] = original.Document;
        }

        Journal(collection, change);
        return updated;
    }

    public void Delete(CollectionMeta collection, StoredDocument stored)
    {
        RejectView(collection);
        Sql.Execute(Tx, $"DELETE FROM {collection.DocumentTable} WHERE rid = $rid", ("$rid", stored.RowId));
        foreach (var index in collection.Indexes.Where(i => !i.IsIdIndex))
        {
            Sql.Execute(Tx, $"DELETE FROM {CollectionMeta.IndexTable(index)} WHERE rid = $rid", ("$rid", stored.RowId));
        }

        var change = new BsonDocument
        {
            { "operationType", "delete" },
            { "documentKey", new BsonDocument("_id", stored.Document["_id"]) },
        };
        if (RecordsPreAndPostImages(collection))
        {
            change["fullDocumentBeforeChange"] = stored.Document;
        }

        Journal(collection, change);
    }

    /// <summary>A view holds no documents: every data write to one is refused with 166 CommandNotSupportedOnView.</summary>
    public static void RejectView(CollectionMeta? collection)
    {
        if (collection is { IsView: true })
        {
            throw MongoError.NotSupportedOnView(collection.Namespace);
        }
    }

    public static BsonDocument Ns(string database, string collection) => new() { { "db", database }, { "coll", collection } };

    /// <summary>Whether the collection option changeStreamPreAndPostImages is {enabled: true}.</summary>
    public static bool RecordsPreAndPostImages(CollectionMeta collection) =>
        collection.Options.GetValue("changeStreamPreAndPostImages", BsonNull.Value) is BsonDocument images
        && images.GetValue("enabled", false) is BsonBoolean { Value: true };

    private static BsonBinaryData UuidOf(CollectionMeta collection) => new(collection.Uuid, GuidRepresentation.Standard);

    /// <summary>Journals an event about <paramref name="collection"/>: ns and collectionUUID come first, then the event's own fields.</summary>
    private void Journal(CollectionMeta collection, BsonDocument change)
    {
        var operationType = change["operationType"];
        change.Remove("operationType");
        var shaped = new BsonDocument
        {
            { "operationType", operationType },
            { "ns", Ns(collection.Database, collection.Name) },
            { "collectionUUID", UuidOf(collection) },
        }.AddRange(change);
        Journal(collection.Database, collection.Name, shaped);
    }

    private static BsonDocument WithIdFirst(BsonDocument document)
    {
        if (document.ElementCount > 0 && document.GetElement(0).Name == "_id")
        {
            ValidateId(document[0]);
            return document;
        }

        var id = document.TryGetValue("_id", out var existing) ? existing : ObjectId.GenerateNewId();
        ValidateId(id);
        var reordered = new BsonDocument("_id", id);
        foreach (var element in document)
        {
            if (element.Name != "_id")
            {
                reordered.Add(element);
            }
        }

        return reordered;
    }

    private static void ValidateId(BsonValue id)
    {
        if (id.BsonType is BsonType.Array or BsonType.RegularExpression or BsonType.Undefined)
        {
            throw new MongoError(53, "InvalidIdField", $"The '_id' value cannot be of type {id.BsonType.ToString().ToLowerInvariant()}");
        }

        Query.IdRules.RejectDollarPrefixedFields(id);
    }

    /// <summary>The document's BSON, serialized once for both the size check and the row.</summary>
    private static byte[] Storable(BsonDocument document)
    {
        byte[] bytes;
        try
        {
            bytes = document.ToBson();
        }
        catch (MongoDB.Bson.BsonSerializationException exception)
        {
            throw new MongoError(15, "Overflow", $"document cannot be stored: {exception.Message}");
        }

        return WithinSizeLimit(bytes);
    }

    /// <summary>A client's encoding, held to the limits <see cref="Storable"/> applies when it serializes: nesting depth and size.</summary>
    private static byte[] StorableAsEncoded(byte[] encoded)
    {
        if (Wire.BsonDepthGuard.Check(encoded, 0, BsonBinaryWriterSettings.Defaults.MaxSerializationDepth) is { } problem)
        {
            throw new MongoError(15, "Overflow", $"document cannot be stored: {problem}");
        }

        return WithinSizeLimit(encoded);
    }

    private static byte[] WithinSizeLimit(byte[] bytes)
    {
        if (bytes.Length > MaxDocumentSize)
        {
            throw new MongoError(10334, "BSONObjectTooLarge", $"object to insert too large. size in bytes: {bytes.Length}, max size: {MaxDocumentSize}");
        }

        return bytes;
    }

    private void Validate(CollectionMeta collection, BsonDocument document, BsonDocument? previous)
    {
        var level = collection.Options.GetValue("validationLevel", "strict").AsString;
        if (level == "off")
        {
            return;
        }

        var validator = Store.ValidatorFor(collection);
        if (validator is null)
        {
            return;
        }

        if (level == "moderate" && previous is not null && validator.Validate(previous) is not null)
        {
            return;
        }

        var errInfo = validator.Validate(document);
        if (errInfo is not null && collection.Options.GetValue("validationAction", "error").AsString != "warn")
        {
            throw new MongoError(121, "DocumentValidationFailure", "Document failed validation", new BsonDocument("errInfo", errInfo));
        }
    }

    private void AddIndexEntries(CollectionMeta collection, IndexMeta index, long rowId, BsonDocument document)
    {
        if (index.PartialFilter is { } partial && !Store.PartialFilterFor(partial).Matches(document))
        {
            return;
        }

        var table = CollectionMeta.IndexTable(index);
        foreach (var key in IndexKeys.For(index, document))
        {
            if (index.Unique)
            {
                var clash = Sql.Scalar(Tx, $"SELECT rid FROM {table} WHERE key = $k AND rid <> $rid LIMIT 1", ("$k", key.Bytes), ("$rid", rowId));
                if (clash is not null)
                {
                    throw DuplicateKey(collection, index, key.Values);
                }
            }

            Sql.Execute(Tx, $"INSERT OR IGNORE INTO {table}(key, rid) VALUES ($k, $rid)", ("$k", key.Bytes), ("$rid", rowId));
        }
    }

    public static MongoError DuplicateKey(CollectionMeta collection, IndexMeta index, BsonDocument keyValue)
    {
        var shown = string.Join(", ", keyValue.Select(e => $"{e.Name}: {e.Value.ToJson()}"));
        return new MongoError(11000, "DuplicateKey",
            $"E11000 duplicate key error collection: {collection.Namespace} index: {index.Name} dup key: {{ {shown} }}",
            new BsonDocument { { "keyPattern", index.Key }, { "keyValue", keyValue } });
    }

    private static bool SameOptions(BsonDocument left, BsonDocument right)
    {
        static BsonDocument Options(BsonDocument spec) =>
            new(spec.Where(e => e.Name is not ("v" or "name" or "key" or "background" or "ns")));
        return Options(left).Equals(Options(right));
    }

    private void Journal(string database, string? collection, BsonDocument change)
    {
        var now = DateTimeOffset.UtcNow;
        var timestamp = Math.Max((now.ToUnixTimeSeconds() << 32) | 1, LastTimestamp + 1);
        Sql.Execute(Tx, "INSERT INTO changes(ts, wall, db, coll, event) VALUES ($ts, $wall, $db, $coll, $event)",
            ("$ts", timestamp), ("$wall", now.ToUnixTimeMilliseconds()), ("$db", database), ("$coll", collection), ("$event", change.ToBson()));
        var sequence = Sql.LastInsertRowId;
        LastTimestamp = timestamp;
        JournalledSequence = Math.Max(JournalledSequence, sequence);
    }
}
