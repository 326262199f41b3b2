namespace ZonaProcessManager.EmbeddedMongo.ChangeStreams;

public enum FullDocumentMode
{
    Default,
    UpdateLookup,
    WhenAvailable,
    Required,
}
