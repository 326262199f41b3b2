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
}
