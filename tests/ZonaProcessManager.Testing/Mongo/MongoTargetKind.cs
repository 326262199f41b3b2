namespace ZonaProcessManager.Testing.Mongo;

/// <summary>Which MongoDB the acceptance suite is talking to; printed in the test output so a reader knows what was proven.</summary>
public enum MongoTargetKind
{
    /// <summary>A real MongoDB given by the ZPM_TEST_MONGO_URI environment variable.</summary>
    ExternalMongoDb,

    /// <summary>A real mongod started by Testcontainers from the locally present `mongo` image, as a one-member replica set.</summary>
    MongoDbContainer,

    /// <summary>Our own EmbeddedMongoServer, started in-process.</summary>
    EmbeddedServer,
}
