namespace ZonaProcessManager.Mongo.Mapping;

/// <summary>Field names of the resource document contract, in one place for the mapper, store and CLI.</summary>
public static class DocumentFields
{
    public const string Id = "_id";
    public const string ApiVersion = "apiVersion";
    public const string Kind = "kind";
    public const string Metadata = "metadata";
    public const string Spec = "spec";
    public const string Status = "status";
    public const string MetadataName = "metadata.name";
    public const string MetadataTenant = "metadata.tenant";
    public const string MetadataDeletionRequested = "metadata.deletionRequested";

    /// <summary>When zpm inserted the document (a BSON date); a document inserted by hand has an ObjectId `_id` instead.</summary>
    public const string MetadataCreationTimestamp = "metadata.creationTimestamp";
}
