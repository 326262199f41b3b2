using Mediator;
using ZonaProcessManager.Domain.Model;
using ZonaProcessManager.Operator.Controllers;
using ZonaProcessManager.Domain.Reconciliation;

namespace ZonaProcessManager.Operator.Messages;

/// <summary>"Bring this resource to its desired state now"; sent by the queue worker, handled by the kind's controller.</summary>
public sealed record ReconcileRequest(ResourceKey Key) : IRequest<ReconciliationResult>;
