namespace ZonaProcessManager.Domain.Model;

// The ServiceSpec contract. Field names are the document's; the Mongo adapter maps documents onto these
// records. Defaults here are the documented defaults of the contract.

public sealed record UpdateStrategy
{
    public UpdateOrder Order { get; init; } = UpdateOrder.StartFirst;
    public int Parallelism { get; init; } = 1;
}

public enum UpdateOrder { StartFirst, StopFirst }
