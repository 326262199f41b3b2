using System.Reflection;
using System.Runtime.ExceptionServices;

namespace ZonaProcessManager.Mongo;

/// <summary>
/// Wraps a store so that every driver exception leaving any of its methods is a <see cref="Domain.Ports.StoreException"/>
/// with <see cref="MongoErrors.Describe"/>'s message. The operator logs exceptions that escape a reconcile (the work
/// queue, the timing behaviour) with their ToString, so the exception itself has to be safe, not only the places that
/// format it. A proxy rather than a try/catch per method: a method added to the store's interface is covered too.
/// </summary>
public class SafeStore : DispatchProxy
{
    private static readonly MethodInfo TranslateTyped = typeof(SafeStore).GetMethod(nameof(TranslateTypedAsync), BindingFlags.NonPublic | BindingFlags.Static)!;

    private object _inner = null!;

    public static TStore Wrap<TStore>(TStore inner)
        where TStore : class
    {
        ArgumentNullException.ThrowIfNull(inner);
        var proxy = Create<TStore, SafeStore>();
        ((SafeStore)(object)proxy)._inner = inner;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        object? result;
        try
        {
            result = targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException invocation) when (invocation.InnerException is { } thrown)
        {
            throw MongoErrors.ToStoreException(targetMethod.Name, thrown) ?? Rethrow(thrown);
        }

        return result switch
        {
            Task task when targetMethod.ReturnType.IsGenericType =>
                TranslateTyped.MakeGenericMethod(targetMethod.ReturnType.GetGenericArguments()[0]).Invoke(null, [task, targetMethod.Name]),
            Task task => TranslateAsync(task, targetMethod.Name),
            _ => result,
        };
    }

    private static async Task TranslateAsync(Task task, string operation)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception exception) when (MongoErrors.ToStoreException(operation, exception) is { } safe)
        {
            throw safe;
        }
    }

    private static async Task<T> TranslateTypedAsync<T>(Task<T> task, string operation)
    {
        try
        {
            return await task.ConfigureAwait(false);
        }
        catch (Exception exception) when (MongoErrors.ToStoreException(operation, exception) is { } safe)
        {
            throw safe;
        }
    }

    private static Exception Rethrow(Exception exception)
    {
        ExceptionDispatchInfo.Capture(exception).Throw();
        return exception;
    }
}
