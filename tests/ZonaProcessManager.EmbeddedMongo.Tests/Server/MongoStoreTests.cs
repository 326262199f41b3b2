using Microsoft.Data.Sqlite;
using MongoDB.Bson;
using MongoDB.Bson.IO;
using ZonaProcessManager.EmbeddedMongo.Storage;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Server;

public sealed class MongoStoreTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "zpm-store-test-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Changes to documents, leaving out the collection and index events journalled with them.</summary>
    private static bool IsDocumentChange(ChangeRecord change) => change.Event.Contains("documentKey");

    [Fact]
    public void Committed_documents_and_their_change_events_survive_reopening()
    {
        using (var store = MongoStore.Open(directory))
        {
            store.Write(write => write.Insert(write.EnsureCollection("app", "people"), new BsonDocument { { "_id", 1 }, { "name", "ada" } }));
        }

        using var reopened = MongoStore.Open(directory);
        var people = reopened.Catalog.Find("app", "people");
        Assert.NotNull(people);
        var stored = reopened.Read(read => read.FindById(people, 1));
        Assert.Equal("ada", stored?.Document["name"].AsString);
        var changes = reopened.Read(read => read.ReadChanges(0, long.MaxValue, "app", "people", 10));
        Assert.Equal(["create", "insert"], changes.Select(c => c.Event["operationType"].AsString));
    }

    [Fact]
    public void Hundreds_of_collections_written_in_one_transaction_and_read_back_all_keep_their_documents()
    {
        // More collections than either connection keeps prepared statements for, so statements are dropped and
        // re-prepared mid-transaction and mid-read without losing or mixing up anything.
        const int collections = 300;
        using var store = MongoStore.Open(directory);

        store.Write(write =>
        {
            for (var i = 0; i < collections; i++)
            {
                write.Insert(write.EnsureCollection("many", $"c{i}"), new BsonDocument { { "_id", i }, { "owner", $"c{i}" } });
            }

            return 0;
        });

        var owners = store.Read(read => Enumerable.Range(0, collections)
            .Select(i => read.FindById(store.Catalog.Find("many", $"c{i}")!, i)?.Document["owner"].AsString)
            .ToList());
        Assert.Equal(Enumerable.Range(0, collections).Select(i => $"c{i}"), owners);
        var duplicate = Assert.Throws<MongoError>(() => store.Write(write => write.Insert(write.Catalog.Find("many", "c0")!, new BsonDocument("_id", 0))));
        Assert.Equal(11000, duplicate.Code);
    }

    [Fact]
    public void A_write_that_fails_leaves_nothing_behind_and_the_next_write_commits_normally()
    {
        using var store = MongoStore.Open(directory);
        store.Write(write => write.Insert(write.EnsureCollection("app", "c"), new BsonDocument("_id", 1)));

        Assert.Throws<InvalidOperationException>(() => store.Write<int>(write =>
        {
            write.Insert(write.Catalog.Find("app", "c")!, new BsonDocument("_id", 2));
            write.EnsureCollection("app", "created-then-rolled-back");
            throw new InvalidOperationException("work failed half way");
        }));
        store.Write(write => write.Insert(write.Catalog.Find("app", "c")!, new BsonDocument("_id", 3)));

        var collection = store.Catalog.Find("app", "c")!;
        Assert.Null(store.Catalog.Find("app", "created-then-rolled-back"));
        Assert.Equal([1, 3], store.Read(read => read.All(collection)).Select(d => d.Document["_id"].ToInt32()));
        var changes = store.Read(read => read.ReadChanges(0, long.MaxValue, "app", "c", 10).Where(IsDocumentChange));
        Assert.Equal([1, 3], changes.Select(c => c.Event["documentKey"]["_id"].ToInt32()));
    }

    [Fact]
    public void A_first_statement_refused_half_way_leaves_nothing_and_the_rest_of_the_batch_still_commits()
    {
        using var store = MongoStore.Open(directory);
        var spec = new BsonDocument { { "v", 2 }, { "key", new BsonDocument("name", 1) }, { "name", "name_1" }, { "unique", true } };
        store.Write(write =>
        {
            var collection = write.EnsureCollection("app", "services");
            write.CreateIndex(collection, spec);
            return write.Insert(write.Catalog.Find("app", "services")!, new BsonDocument { { "_id", 1 }, { "name", "api" } });
        });
        var collection = store.Catalog.Find("app", "services")!;

        // The refused document's row is written before its unique index entry clashes, and it is the first change of the
        // transaction: undoing it must not undo what the batch does after it.
        var refused = store.Write(write =>
        {
            var error = Assert.Throws<MongoError>(() => write.Atomically(() => write.Insert(collection, new BsonDocument { { "_id", 2 }, { "name", "api" } })));
            write.Atomically(() => write.Insert(collection, new BsonDocument { { "_id", 3 }, { "name", "web" } }));
            return error;
        });

        Assert.Equal(11000, refused.Code);
        Assert.Equal([1, 3], store.Read(read => read.All(collection)).Select(d => d.Document["_id"].ToInt32()));
        var changes = store.Read(read => read.ReadChanges(0, long.MaxValue, "app", "services", 10).Where(IsDocumentChange));
        Assert.Equal([1, 3], changes.Select(c => c.Event["documentKey"]["_id"].ToInt32()));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_statement_undone_after_journalling_a_change_does_not_announce_that_change(bool afterAnotherChange)
    {
        using var store = MongoStore.Open(directory);
        store.Write(write => write.Insert(write.EnsureCollection("app", "c"), new BsonDocument("_id", 1)));
        var collection = store.Catalog.Find("app", "c")!;

        // As an updateMany whose second document is refused: the first document's change is already journalled when the
        // statement fails, and the commit of the rest of the batch must not announce it.
        store.Write(write =>
        {
            if (afterAnotherChange)
            {
                write.Atomically(() => write.Insert(collection, new BsonDocument("_id", 2)));
            }

            return Assert.Throws<InvalidOperationException>(() => write.Atomically<BsonDocument>(() =>
            {
                write.Insert(collection, new BsonDocument("_id", 3));
                throw new InvalidOperationException("refused half way");
            }));
        });

        var journalled = store.Read(read => read.LastSequence());
        Assert.Equal(journalled, store.Commits.CommittedSequence);
        Assert.Equal(afterAnotherChange ? [1, 2] : [1], store.Read(read => read.All(collection)).Select(d => d.Document["_id"].ToInt32()));
    }

    [Fact]
    public void A_client_encoded_document_nested_past_the_depth_limit_is_refused_like_a_serialized_one()
    {
        using var store = MongoStore.Open(directory);
        var nested = new BsonDocument("leaf", true);
        for (var level = 0; level < 150; level++)
        {
            nested = new BsonDocument("down", nested);
        }

        var document = new BsonDocument { { "_id", 1 }, { "down", nested } };
        var encoded = document.ToBson(writerSettings: new BsonBinaryWriterSettings { MaxSerializationDepth = 200 });
        store.Write(write => write.EnsureCollection("app", "deep"));
        var collection = store.Catalog.Find("app", "deep")!;

        var asEncoded = Assert.Throws<MongoError>(() => store.Write(write => write.Insert(collection, document, encoded: encoded)));
        var asSerialized = Assert.Throws<MongoError>(() => store.Write(write => write.Insert(collection, document)));

        Assert.Equal((15, "Overflow"), (asEncoded.Code, asEncoded.CodeName));
        Assert.Equal((15, "Overflow"), (asSerialized.Code, asSerialized.CodeName));
        Assert.Empty(store.Read(read => read.All(collection)));
    }

    [Fact]
    public void A_missing_id_is_generated_and_placed_first()
    {
        using var store = MongoStore.Open(directory);

        var inserted = store.Write(write => write.Insert(write.EnsureCollection("app", "c"), new BsonDocument("x", 1)));

        Assert.Equal("_id", inserted.GetElement(0).Name);
        Assert.Equal(BsonType.ObjectId, inserted["_id"].BsonType);
    }

    [Fact]
    public void A_duplicate_id_fails_with_11000_and_leaves_the_first_document_alone()
    {
        using var store = MongoStore.Open(directory);
        store.Write(write => write.Insert(write.EnsureCollection("app", "c"), new BsonDocument { { "_id", 7 }, { "v", "first" } }));

        var error = Assert.Throws<MongoError>(() =>
            store.Write(write => write.Insert(write.Catalog.Find("app", "c")!, new BsonDocument { { "_id", 7.0 }, { "v", "second" } })));

        Assert.Equal(11000, error.Code);
        Assert.Contains("index: _id_ dup key: { _id: 7", error.Message);
        var collection = store.Catalog.Find("app", "c")!;
        Assert.Equal("first", store.Read(read => read.FindById(collection, 7))!.Document["v"].AsString);
    }

    [Fact]
    public void A_unique_compound_index_reports_keyPattern_and_keyValue()
    {
        using var store = MongoStore.Open(directory);
        var spec = new BsonDocument { { "v", 2 }, { "key", new BsonDocument { { "tenant", 1 }, { "name", 1 } } }, { "name", "tenant_1_name_1" }, { "unique", true } };
        store.Write(write =>
        {
            var collection = write.EnsureCollection("app", "services");
            write.CreateIndex(collection, spec);
            collection = write.Catalog.Find("app", "services")!;
            write.Insert(collection, new BsonDocument { { "tenant", "t1" }, { "name", "api" } });
            return write.Insert(collection, new BsonDocument { { "tenant", "t2" }, { "name", "api" } });
        });

        var error = Assert.Throws<MongoError>(() => store.Write(write =>
            write.Insert(write.Catalog.Find("app", "services")!, new BsonDocument { { "tenant", "t1" }, { "name", "api" } })));

        Assert.Equal(11000, error.Code);
        Assert.Equal(new BsonDocument { { "tenant", 1 }, { "name", 1 } }, error.ExtraFields!["keyPattern"]);
        Assert.Equal(new BsonDocument { { "tenant", "t1" }, { "name", "api" } }, error.ExtraFields!["keyValue"]);
    }

    [Fact]
    public void Building_a_unique_index_over_existing_duplicates_fails_and_creates_nothing()
    {
        using var store = MongoStore.Open(directory);
        store.Write(write =>
        {
            var collection = write.EnsureCollection("app", "c");
            write.Insert(collection, new BsonDocument("email", "a@x"));
            return write.Insert(collection, new BsonDocument("email", "a@x"));
        });
        var spec = new BsonDocument { { "v", 2 }, { "key", new BsonDocument("email", 1) }, { "name", "email_1" }, { "unique", true } };

        var error = Assert.Throws<MongoError>(() => store.Write(write => write.CreateIndex(write.Catalog.Find("app", "c")!, spec)));

        Assert.Equal(11000, error.Code);
        Assert.Single(store.Catalog.Find("app", "c")!.Indexes);
    }

    [Fact]
    public void A_failed_statement_inside_a_batch_rolls_back_only_itself()
    {
        using var store = MongoStore.Open(directory);

        var outcomes = store.Write(write =>
        {
            var collection = write.EnsureCollection("app", "c");
            var results = new List<bool>();
            foreach (var id in new[] { 1, 1, 2 })
            {
                try
                {
                    write.Atomically(() => write.Insert(collection, new BsonDocument("_id", id)));
                    results.Add(true);
                }
                catch (MongoError)
                {
                    results.Add(false);
                }
            }

            return results;
        });

        Assert.Equal([true, false, true], outcomes);
        var collection = store.Catalog.Find("app", "c")!;
        Assert.Equal(2, store.Read(read => read.Count(collection)));
        Assert.Equal(2, store.Read(read => read.ReadChanges(0, long.MaxValue, null, null, 10)).Count(IsDocumentChange));
    }

    [Fact]
    public void Rename_keeps_the_documents_and_journals_a_rename_event()
    {
        using var store = MongoStore.Open(directory);
        store.Write(write => write.Insert(write.EnsureCollection("app", "old"), new BsonDocument("_id", 1)));

        store.Write(write => write.Rename(write.Catalog.Find("app", "old")!, "app", "new", dropTarget: false));

        Assert.Null(store.Catalog.Find("app", "old"));
        var renamed = store.Catalog.Find("app", "new")!;
        Assert.NotNull(store.Read(read => read.FindById(renamed, 1)));
        var last = store.Read(read => read.ReadChanges(0, long.MaxValue, null, null, 10))[^1];
        Assert.Equal("rename", last.Event["operationType"].AsString);
        Assert.Equal(new BsonDocument { { "db", "app" }, { "coll", "new" } }, last.Event["to"]);
    }

    [Fact]
    public void A_corrupt_data_file_is_refused_with_a_clear_error_and_left_untouched()
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, MongoStore.FileName);
        var garbage = Enumerable.Range(0, 8192).Select(i => (byte)(i * 31)).ToArray();
        File.WriteAllBytes(path, garbage);

        var error = Assert.Throws<InvalidOperationException>(() => MongoStore.Open(directory));

        Assert.Contains("refusing to start", error.Message);
        Assert.Equal(garbage, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_truncated_data_file_is_refused_rather_than_silently_emptied()
    {
        using (var store = MongoStore.Open(directory))
        {
            store.Write(write =>
            {
                var collection = write.EnsureCollection("app", "c");
                for (var i = 0; i < 2000; i++)
                {
                    write.Insert(collection, new BsonDocument { { "_id", i }, { "payload", new string('x', 200) } });
                }

                return 0;
            });
        }

        var path = Path.Combine(directory, MongoStore.FileName);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        Assert.Throws<InvalidOperationException>(() => MongoStore.Open(directory));
    }

    [Fact]
    public void A_sqlite_file_of_another_application_is_refused()
    {
        Directory.CreateDirectory(directory);
        using (var foreign = new SqliteConnection($"Data Source={Path.Combine(directory, MongoStore.FileName)};Pooling=False"))
        {
            foreign.Open();
            using var command = foreign.CreateCommand();
            command.CommandText = "CREATE TABLE invoices(id INTEGER)";
            command.ExecuteNonQuery();
        }

        var error = Assert.Throws<InvalidOperationException>(() => MongoStore.Open(directory));

        Assert.Contains("not an embedded MongoDB store", error.Message);
    }

    [Fact]
    public void A_second_server_on_the_same_directory_is_refused_while_the_first_runs()
    {
        using var first = MongoStore.Open(directory);

        var error = Assert.Throws<InvalidOperationException>(() => MongoStore.Open(directory));

        Assert.Contains("already in use", error.Message);
    }

    [Fact]
    public async Task The_commit_signal_wakes_a_waiter_as_soon_as_a_change_commits()
    {
        using var store = MongoStore.Open(directory);
        var known = store.Commits.CommittedSequence;
        var waiting = store.Commits.WaitBeyondAsync(known, TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        store.Write(write => write.Insert(write.EnsureCollection("app", "c"), new BsonDocument("_id", 1)));

        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task The_commit_signal_gives_up_at_its_deadline_when_nothing_commits()
    {
        using var store = MongoStore.Open(directory);

        Assert.False(await store.Commits.WaitBeyondAsync(store.Commits.CommittedSequence, TimeSpan.FromMilliseconds(50), CancellationToken.None));
    }

    [Fact]
    public void Update_descriptions_of_an_operator_update_name_the_paths_its_operators_changed_and_removed()
    {
        var before = BsonDocument.Parse("{ _id: 1, a: 1, b: { c: 1, d: 2 }, gone: true, tags: [1] }");
        var after = BsonDocument.Parse("{ _id: 1, a: 2, b: { c: 1, d: 3 }, tags: [1, 2], added: 'x' }");
        string[][] operatorPaths = [["a"], ["b", "d"], ["tags"], ["added"], ["gone"]];

        var description = UpdateDescriptions.Describe(before, after, operatorPaths);

        Assert.Equal(BsonDocument.Parse("{ a: 2, 'b.d': 3, tags: [1, 2], added: 'x' }"), description["updatedFields"]);
        Assert.Equal(new BsonArray { "gone" }, description["removedFields"]);
        Assert.Equal(new BsonArray(), description["truncatedArrays"]);
        Assert.Equal(new BsonDocument(), description["disambiguatedPaths"]);
    }

    [Fact]
    public void Update_descriptions_of_a_pipeline_update_diff_into_arrays_where_that_is_smaller_than_the_new_value()
    {
        var large = new string('*', 128);
        var before = new BsonDocument { { "_id", 1 }, { "tags", new BsonArray { large, 1, 2 } }, { "small", new BsonArray { 1, 2 } }, { "n", new BsonDocument("1.5", new BsonArray { large, 1 }) } };
        var after = new BsonDocument { { "_id", 1 }, { "tags", new BsonArray { large, 5 } }, { "small", new BsonArray { 1 } }, { "n", new BsonDocument("1.5", new BsonArray { large, 2 }) } };

        var description = UpdateDescriptions.Describe(before, after, operatorPaths: null);

        // A diff of 'small' would be no smaller than [1] itself, so it is reported whole, as MongoDB's delta does.
        Assert.Equal(new BsonDocument { { "tags.1", 5 }, { "small", new BsonArray { 1 } }, { "n.1.5.1", 2 } }, description["updatedFields"]);
        Assert.Equal(BsonArray.Create(new[] { new BsonDocument { { "field", "tags" }, { "newSize", 2 } } }), description["truncatedArrays"]);
        Assert.Equal(new BsonDocument("n.1.5.1", new BsonArray { "n", "1.5", 1 }), description["disambiguatedPaths"]);
    }
}
