namespace RedisJwt.Testing;

/// <summary>The system clock moved by <see cref="Offset"/>: registered as a server's TimeProvider, it lets time pass.</summary>
public sealed class ShiftedClock : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
}
