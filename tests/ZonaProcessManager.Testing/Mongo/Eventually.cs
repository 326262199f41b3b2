namespace ZonaProcessManager.Testing.Mongo;

/// <summary>Polls a condition until it holds or a deadline passes: the alternative to sleeping in tests.</summary>
public static class Eventually
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan deadline, string what)
    {
        var until = DateTime.UtcNow + deadline;
        while (true)
        {
            if (await condition())
            {
                return;
            }

            if (DateTime.UtcNow >= until)
            {
                throw new TimeoutException($"timed out after {deadline.TotalSeconds:0.#} s waiting for {what}");
            }

            await Task.Delay(PollInterval);
        }
    }

    public static async Task<T> ValueAsync<T>(Func<Task<T?>> probe, TimeSpan deadline, string what)
        where T : class
    {
        T? found = null;
        await TrueAsync(async () => (found = await probe()) is not null, deadline, what);
        return found!;
    }
}
