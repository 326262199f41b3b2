using Microsoft.Extensions.Logging;
using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Domain.Validation;
using ZonaProcessManager.Mongo.Mapping;
using ZonaProcessManager.Testing.Documents;
using ZonaProcessManager.Testing.Mongo;
using Xunit.Abstractions;

namespace ZonaProcessManager.Operator.Tests.Integration;

/// <summary>
/// Documents that got past the validators (bypassDocumentValidation) on the real store: each must end with a status
/// saying what is wrong, without stopping, slowing or flooding the operator for the others.
/// </summary>
public sealed class MalformedDocumentsTests(MongoTestTarget mongo, ITestOutputHelper output) : IClassFixture<MongoTestTarget>, IAsyncLifetime
{
    private const string Tenant = "corpus";
    private const int CannotIndexParallelArrays = 171;
    private OperatorOnStore? _operator;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_operator is not null)
        {
            await _operator.DisposeAsync();
        }
    }

    private static ResourceKey Key(string name) => new(ServiceSpec.KindName, Tenant, name);

    [Fact]
    public async Task Four_services_asking_for_a_billion_replicas_end_Degraded_and_another_service_still_converges()
    {
        _operator = new OperatorOnStore(mongo, output);
        await _operator.StartAsync();
        var absurd = Enumerable.Range(0, 4).Select(i =>
        {
            var document = MalformedServiceSpecs.Valid(Tenant, $"huge-{i}");
            document["spec"]["replicas"] = 1e9;
            return document;
        }).ToList();

        await _operator.InsertBypassingValidationAsync(absurd);
        var web = MalformedServiceSpecs.Valid(Tenant, "web");
        web["spec"]["replicas"] = 2.0;
        await _operator.Services.InsertOneAsync(web);

        await _operator.WaitForAsync(Key("web"), s => s.Phase == ResourcePhase.Running && s.Replicas.Ready == 2, "Running with 2 replicas");
        for (var i = 0; i < absurd.Count; i++)
        {
            var status = await _operator.WaitForAsync(Key($"huge-{i}"), s => s.Phase == ResourcePhase.Degraded, "Degraded");
            Assert.Contains($"spec.replicas must be between 0 and {ServiceSpecValidator.MaxReplicas} (got 1000000000)", status.Message);
            Assert.Empty(_operator.Runtime.ContainersOf(Key($"huge-{i}")));
        }
    }

    [Fact]
    public async Task Every_one_of_a_thousand_malformed_documents_gets_a_status_saying_what_is_wrong()
    {
        const int count = 1000;
        _operator = new OperatorOnStore(mongo, output);
        await _operator.StartAsync();
        var corpus = await InsertCorpusAsync(count);

        var withoutStatus = Builders<BsonDocument>.Filter.Exists("status", false);
        try
        {
            await ZonaProcessManager.Testing.Mongo.Eventually.TrueAsync(
                async () => await _operator.Services.CountDocumentsAsync(withoutStatus) == 0 && _operator.Queue.IsIdle,
                TimeSpan.FromMinutes(Environment.GetEnvironmentVariable("CORPUS_MINUTES") is { } m ? double.Parse(m, System.Globalization.CultureInfo.InvariantCulture) : 5),
                $"all {count} documents have a status and the operator is idle");
        }
        catch (TimeoutException exception)
        {
            // The documents still without a status are listed below, with what broke them.
            output.WriteLine(exception.Message);
        }

        var mapper = new ServiceDocumentMapper();
        var stored = await _operator.Services.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();
        var invalid = 0;
        var wrong = new List<string>();
        foreach (var document in stored)
        {
            var read = mapper.Read(document);
            var status = read.Status;
            var mutations = corpus[document["_id"]].Mutations;
            if (read.Spec is null)
            {
                invalid++;
                if (status is not { Phase: ResourcePhase.Degraded, Message.Length: > 0 })
                {
                    wrong.Add($"{document["_id"]} ({string.Join(", ", mutations)}): invalid but {status?.Phase} '{status?.Message}'");
                }
            }
            else if (status is not { Message.Length: > 0 } || status.Phase == ResourcePhase.Degraded)
            {
                wrong.Add($"{document["_id"]} ({string.Join(", ", mutations)}): valid but {status?.Phase} '{status?.Message}'");
            }
        }

        var problems = _operator.Logs.Problems;
        output.WriteLine($"{stored.Count} documents: {invalid} invalid, {stored.Count - invalid} valid; " +
            $"log lines: {_operator.Logs.Count(LogLevel.Information)} information, {problems.Count} warning or worse");
        foreach (var line in problems.Take(20))
        {
            output.WriteLine(line);
        }

        // A document that a mutation marked metadata.deletionRequested: true and that is otherwise valid is torn down
        // and removed, as `zpm delete` asks; every other one must still be there.
        var storedIds = stored.Select(document => document["_id"]).ToHashSet();
        var gone = corpus.Where(entry => !storedIds.Contains(entry.Key)).ToList();
        output.WriteLine($"{gone.Count} valid documents marked for deletion were removed");
        Assert.All(gone, entry => Assert.True(mapper.Read(entry.Value.Document).DeletionRequested, $"{entry.Key} disappeared"));
        Assert.True(wrong.Count == 0, string.Join(Environment.NewLine, wrong.Take(20)));
        Assert.DoesNotContain(problems, line => line.Contains("failed validation", StringComparison.OrdinalIgnoreCase));
        Assert.Empty(_operator.Queue.For(ServiceSpec.KindName).Snapshot().ConsecutiveFailures);
        // A document is reported once (a transition line, an event), never in a retry loop.
        Assert.InRange(problems.Count, 0, count / 10);
        Assert.InRange(_operator.Logs.Count(LogLevel.Information), 0, count * 8);
    }

    /// <summary>
    /// Inserts malformed documents until <paramref name="count"/> are in. The unique index on (metadata.tenant,
    /// metadata.name) holds even for bypassing writes, so a second document without a usable name is refused (11000),
    /// as MongoDB refuses it, and so is one with arrays in both fields (171); such a document is replaced by another one.
    /// </summary>
    private async Task<Dictionary<BsonValue, (BsonDocument Document, DocumentMutation[] Mutations)>> InsertCorpusAsync(int count)
    {
        var inserted = new Dictionary<BsonValue, (BsonDocument Document, DocumentMutation[] Mutations)>();
        var duplicates = 0;
        var next = 0;
        while (inserted.Count < count)
        {
            var batch = MalformedServiceSpecs.Corpus(Tenant, $"bad{next++}", Math.Min(100, count - inserted.Count));
            var refused = new HashSet<int>();
            try
            {
                await _operator!.InsertBypassingValidationAsync(batch.Select(entry => entry.Document));
            }
            catch (MongoBulkWriteException<BsonDocument> exception) when (exception.WriteErrors.All(e => e.Category == ServerErrorCategory.DuplicateKey || e.Code == CannotIndexParallelArrays))
            {
                refused.UnionWith(exception.WriteErrors.Select(e => e.Index));
                duplicates += refused.Count;
            }

            for (var i = 0; i < batch.Count; i++)
            {
                if (!refused.Contains(i))
                {
                    inserted[batch[i].Document["_id"]] = batch[i];
                }
            }
        }

        output.WriteLine($"inserted {count} malformed documents ({duplicates} generated ones refused by the unique index and replaced)");
        return inserted;
    }
}
