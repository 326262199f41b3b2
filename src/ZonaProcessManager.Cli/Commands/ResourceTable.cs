using MongoDB.Bson;
using MongoDB.Driver;
using ZonaProcessManager.Cli.Output;

namespace ZonaProcessManager.Cli.Commands;

/// <summary>How one `get` lists a collection: which documents, what a row of them shows, and how a watched change becomes one.</summary>
/// <param name="Plural">What the list is of ("services"), for "No services found.".</param>
/// <param name="Columns">The table's columns, wide-only ones included.</param>
/// <param name="Collection">The collection `--watch` follows.</param>
/// <param name="List">The documents to show, as json/yaml print them (filtered, secrets masked).</param>
/// <param name="Prepare">
/// A watched document as <paramref name="List"/> would have returned it (masked), or null when the filters leave it out.
/// </param>
/// <param name="Row">One value per column for a prepared document.</param>
public sealed record ResourceTable(
    string Plural,
    TextColumn[] Columns,
    IMongoCollection<BsonDocument> Collection,
    Func<CancellationToken, Task<List<BsonDocument>>> List,
    Func<BsonDocument, CancellationToken, Task<BsonDocument?>> Prepare,
    Func<BsonDocument, string[]> Row);
