using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Cli.Output;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>
/// Prints a <see cref="ResourceTable"/> in the format asked for and, with `--watch`, follows its collection's change
/// stream like `kubectl get -w`: one aligned row per insert or update, the last row seen again when a document is
/// deleted. The stream is opened before the list is read, so a change made while listing is printed rather than lost
/// (it may then show twice). Change streams need a replica set (MongoDB answers 40573 on a standalone server, which
/// the command reports as its error); the driver resumes a broken stream once on its own, a second failure ends the command.
/// </summary>
public static class ResourceListing
{
    public static async Task<int> RunAsync(CliContext context, ListRequest request, ResourceTable source, CancellationToken cancellationToken)
    {
        using var changes = request.Watch
            ? await source.Collection.WatchAsync(
                new ChangeStreamOptions { FullDocument = ChangeStreamFullDocumentOption.UpdateLookup }, cancellationToken)
            : null;
        var documents = await source.List(cancellationToken);
        switch (request.Format)
        {
            case "json":
                await context.Output.WriteLineAsync(DocumentFormatter.ToJson(documents));
                return CliApplication.Ok;
            case "yaml":
                await context.Output.WriteAsync(DocumentFormatter.ToYaml(new BsonArray(documents)));
                return CliApplication.Ok;
        }

        var table = new TextTable(source.Columns);
        var lastRows = new Dictionary<BsonValue, string[]>();
        foreach (var document in documents)
        {
            var row = source.Row(document);
            table.AddRow(row);
            lastRows[document.GetValue("_id", BsonNull.Value)] = row;
        }

        if (documents.Count == 0 && !request.Watch)
        {
            // On stderr, as kubectl does: a script reading rows (--no-headers) gets none rather than this sentence.
            await context.Error.WriteLineAsync($"No {source.Plural} found.");
            return CliApplication.Ok;
        }

        await table.WriteAsync(context.Output, request.Wide, request.Headers && documents.Count > 0);
        await context.Output.FlushAsync(cancellationToken);
        if (changes is null)
        {
            return CliApplication.Ok;
        }

        // An empty list printed no header; the first watched row brings it.
        var headerDue = request.Headers && documents.Count == 0;
        while (await changes.MoveNextAsync(cancellationToken))
        {
            foreach (var change in changes.Current)
            {
                var id = change.DocumentKey?.GetValue("_id", BsonNull.Value) ?? BsonNull.Value;
                string[]? row = null;
                if (change.OperationType == ChangeStreamOperationType.Delete)
                {
                    lastRows.Remove(id, out row);
                }
                else if (change.FullDocument is { } document && await source.Prepare(document, cancellationToken) is { } prepared)
                {
                    row = source.Row(prepared);
                    lastRows[id] = row;
                }

                if (row is null)
                {
                    continue;
                }

                if (headerDue)
                {
                    await context.Output.WriteLineAsync(table.FormatRow([.. source.Columns.Select(column => column.Header)], request.Wide));
                    headerDue = false;
                }

                await context.Output.WriteLineAsync(table.FormatRow(row, request.Wide));
            }

            await context.Output.FlushAsync(cancellationToken);
        }

        return CliApplication.Ok;
    }
}
