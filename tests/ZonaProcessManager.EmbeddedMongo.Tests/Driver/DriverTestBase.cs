using Xunit.Abstractions;
using ZonaProcessManager.Testing.Mongo;

namespace ZonaProcessManager.EmbeddedMongo.Tests.Driver;

/// <summary>
/// Acceptance tests written against MongoDB's documented behaviour through the official driver. One target per class
/// (see <see cref="MongoTestTarget"/>); every test works in its own database.
/// </summary>
public abstract class DriverTestBase : IClassFixture<MongoTestTarget>
{
    protected DriverTestBase(MongoTestTarget target, ITestOutputHelper output)
    {
        Target = target;
        Output = output;
    }

    protected MongoTestTarget Target { get; }
    protected ITestOutputHelper Output { get; }

    protected TestDatabase NewDatabase() => Target.CreateDatabase(Output);
}
