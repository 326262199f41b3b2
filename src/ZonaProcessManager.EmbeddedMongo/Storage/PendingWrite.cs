namespace ZonaProcessManager.EmbeddedMongo.Storage;

/// <summary>
/// One write waiting for a group commit: its work runs in the group's transaction, and its caller hears the outcome only
/// once the group's commit is durable (or has failed).
/// </summary>
internal abstract class PendingWrite
{
    /// <summary>A write of many statements (an insertMany, a bulk of updates): committed on its own, after the small writes waiting beside it.</summary>
    public bool Bulk { get; init; }

    /// <summary>Runs the work in <paramref name="scope"/>; true when it succeeded and waits for the commit.</summary>
    public abstract bool Run(WriteScope scope);

    /// <summary>Hands the result to the caller; called after the commit that made it durable.</summary>
    public abstract void Acknowledge();

    /// <summary>Fails the write with <paramref name="error"/> (nothing of its group became durable), unless it had failed alone.</summary>
    public abstract void Fail(Exception error);
}

/// <summary>A <see cref="PendingWrite"/> whose work returns a <typeparamref name="T"/>.</summary>
internal sealed class PendingWrite<T>(Func<WriteScope, T> work) : PendingWrite
{
    // Continuations run on the thread pool: completing a whole group must not run every writer's reply on the committing thread.
    private readonly TaskCompletionSource<T> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // The work may run on another writer's thread: it runs in its own caller's async context, so what the command fixed
    // there (the statement's $$NOW) holds for it and not the other writer's.
    private readonly ExecutionContext? callerContext = ExecutionContext.Capture();
    private T? result;
    private Exception? error;

    public Task<T> Task => completion.Task;

    public override bool Run(WriteScope scope)
    {
        if (callerContext is null)
        {
            RunHere(scope);
        }
        else
        {
            ExecutionContext.Run(callerContext, static state =>
            {
                var (write, scope) = ((PendingWrite<T>, WriteScope))state!;
                write.RunHere(scope);
            }, (this, scope));
        }

        return error is null;
    }

    private void RunHere(WriteScope scope)
    {
        try
        {
            result = scope.Atomically(() => work(scope));
        }
        catch (Exception failure)
        {
            error = failure;
        }
    }

    public override void Acknowledge()
    {
        if (error is not null)
        {
            completion.TrySetException(error);
        }
        else
        {
            completion.TrySetResult(result!);
        }
    }

    public override void Fail(Exception failure) => completion.TrySetException(error ?? failure);
}
