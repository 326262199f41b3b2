using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MongoDB.Bson;
using Xunit.Abstractions;
using ZonaProcessManager.Testing.Docker;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.Operator.Tests.Integration;

/// <summary>A store error whose server details hold a secret (a validator's consideredValue) never reaches the log.</summary>
[Collection(OperatorIntegrationCollection.Name)]
public sealed class StoreErrorLoggingTests(DockerTestEnvironment docker, MongoTestTarget mongo, ITestOutputHelper output) : IAsyncLifetime
{
    private const string Secret = "Sup3r-s3cret-env-value";
    private readonly OperatorUnderTest _operator = new(docker, mongo, output);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _operator.DisposeAsync();

    [Fact]
    public async Task A_status_write_refused_by_a_validator_is_logged_without_the_considered_value()
    {
        await _operator.InsertAsync(_operator.ServiceDocument("web", env: new BsonDocument("API_KEY", Secret)));
        // Every write to the document now fails validation, and MongoDB's errInfo names the refused value.
        var refuseLongKeys = BsonDocument.Parse("{ $jsonSchema: { properties: { spec: { properties: { env: { properties: { API_KEY: { maxLength: 4 } } } } } } } }");
        await _operator.Database.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            ["collMod"] = "services",
            ["validator"] = refuseLongKeys,
            ["validationLevel"] = "strict",
        });
        var logs = new CapturingLoggerFactory();

        await _operator.StartAsync(services => services.AddSingleton<ILoggerFactory>(logs));
        await Eventually.TrueAsync(
            () => Task.FromResult(logs.Lines.Any(line => line.Contains("Document failed validation", StringComparison.Ordinal))),
            OperatorUnderTest.Deadline,
            "the refused status write logged");

        foreach (var line in logs.Lines)
        {
            output.WriteLine(line);
        }

        Assert.DoesNotContain(logs.Lines, line => line.Contains(Secret, StringComparison.Ordinal));
        Assert.Contains(logs.Lines, line => line.Contains("code 121 (DocumentValidationFailure): Document failed validation", StringComparison.Ordinal));
    }

    /// <summary>Keeps every line with its exception's full ToString, as a console or JSON sink would print it.</summary>
    private sealed class CapturingLoggerFactory : ILoggerFactory, ILogger
    {
        private readonly Lock _gate = new();
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_gate)
                {
                    return [.. _lines];
                }
            }
        }

        public ILogger CreateLogger(string categoryName) => this;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_gate)
            {
                _lines.Add($"{logLevel}: {formatter(state, exception)} {exception}");
            }
        }
    }
}
