using Microsoft.Extensions.Options;
using RedisJwt.ServiceDefaults;
using RedisJwt.ServiceDefaults.RateLimiting;

namespace RedisJwt.BoardApi.Tests.RateLimiting;

/// <summary>Declaring and configuring policies: defaults in code, configuration over them, errors naming the setting.</summary>
public sealed class RateLimitPolicyTests
{
    private static void Declare(Microsoft.Extensions.Hosting.IHostApplicationBuilder builder) =>
        builder.AddRateLimitPolicy("posts", policy => { policy.PermitLimit = 30; policy.Window = TimeSpan.FromMinutes(1); });

    [Fact]
    public void Policy_ConfiguredSetting_OverridesOnlyThatDefault()
    {
        using var host = new LimiterHost(Declare, new Dictionary<string, string?>
        {
            ["RateLimits:Policies:posts:PermitLimit"] = "5",
            ["RateLimits:Policies:posts:WhenRedisUnavailable"] = "Allow",
        });
        host.ValidateOnStart();

        var policy = host.Limiter.GetPolicy("posts");

        Assert.Equal(5, policy.PermitLimit);
        Assert.Equal(TimeSpan.FromMinutes(1), policy.Window);
        Assert.Equal(RedisUnavailableBehavior.Allow, policy.WhenRedisUnavailable);
    }

    [Theory]
    [InlineData("PermitLimit", "0")]
    [InlineData("PermitLimit", "-1")]
    [InlineData("Window", "00:00:00")]
    [InlineData("Window", "-00:00:01")]
    public void Start_InvalidSetting_FailsNamingIt(string setting, string value)
    {
        using var host = new LimiterHost(Declare, new Dictionary<string, string?> { [$"RateLimits:Policies:posts:{setting}"] = value });

        var error = Assert.Throws<OptionsValidationException>(host.ValidateOnStart);

        Assert.Contains($"RateLimits:Policies:posts:{setting}", error.Message);
    }

    [Fact]
    public void Start_UnknownWhenRedisUnavailable_FailsNamingIt()
    {
        using var host = new LimiterHost(Declare, new Dictionary<string, string?> { ["RateLimits:Policies:posts:WhenRedisUnavailable"] = "Sometimes" });

        var error = Assert.ThrowsAny<InvalidOperationException>(host.ValidateOnStart);

        Assert.Contains("RateLimits:Policies:posts:WhenRedisUnavailable", error.Message);
    }

    [Fact]
    public void Start_PolicyDeclaredWithoutDefaultsNorConfiguration_FailsNamingSettings()
    {
        using var host = new LimiterHost(builder => builder.AddDistributedRateLimits("sign-in"));

        var error = Assert.Throws<OptionsValidationException>(host.ValidateOnStart);

        Assert.Contains("RateLimits:Policies:sign-in:PermitLimit", error.Message);
        Assert.Contains("RateLimits:Policies:sign-in:Window", error.Message);
    }

    [Fact]
    public void Start_PolicyDeclaredWithoutDefaults_TakenFromConfiguration()
    {
        using var host = new LimiterHost(builder => builder.AddDistributedRateLimits("sign-in"), new Dictionary<string, string?>
        {
            ["RateLimits:Policies:sign-in:PermitLimit"] = "10",
            ["RateLimits:Policies:sign-in:Window"] = "00:15:00",
        });
        host.ValidateOnStart();

        Assert.Equal(10, host.Limiter.GetPolicy("sign-in").PermitLimit);
    }

    [Theory]
    [InlineData("Board-Writes")]
    [InlineData("board:writes")]
    [InlineData("")]
    public void Declare_NameUnfitForKeysAndConfiguration_Throws(string name)
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new LimiterHost(builder => builder.AddRateLimitPolicy(name, _ => { })).Dispose());

        Assert.Contains($"'{name}'", error.Message);
    }

    [Theory]
    [InlineData("3f2c9a4e-0d1b-4c55-9e57-2b1f6f0e7a10")]
    [InlineData("third-party-demo")]
    public void Key_PlainPartition_KeptReadable(string partition) =>
        Assert.Equal($"p:rate_limit:board-writes:{partition}", Keys.RateLimit("board-writes", partition).ToString());

    [Theory]
    [InlineData("alice@example.com")]
    [InlineData("2001:db8::1")]
    [InlineData("x\n")]
    [InlineData("*")]
    public void Key_PartitionWithOtherCharacters_Hashed(string partition) =>
        Assert.Matches("^p:rate_limit:board-writes:sha256-[0-9a-f]{64}$", Keys.RateLimit("board-writes", partition).ToString());

    [Fact]
    public void Key_LongPartition_HashedToFixedLength()
    {
        var key = Keys.RateLimit("board-writes", new string('a', 10_000)).ToString();

        Assert.Equal("p:rate_limit:board-writes:".Length + "sha256-".Length + 64, key.Length);
    }

    private static RedisKeys Keys { get; } = new(Options.Create(new RedisOptions { KeyPrefix = "p:" }));
}
