using System.Diagnostics;

namespace RedisJwt.Testing;

public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> every 50 ms; fails the test if it is not true within the timeout (10 s).</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < (timeout ?? TimeSpan.FromSeconds(10)), "condition not reached in time");
            await Task.Delay(50);
        }
    }
}
