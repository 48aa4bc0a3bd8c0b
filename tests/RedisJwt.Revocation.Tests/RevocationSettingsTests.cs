using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace RedisJwt.Revocation.Tests;

/// <summary>The package's settings as a third-party API gets them from its configuration, through the two lines.</summary>
public sealed class RevocationSettingsTests
{
    [Fact]
    public void KeyPrefix_Configured_NamesTheKeysAndChannel()
    {
        using var services = ApiWith("Production", ("Revocation:KeyPrefix", "acme:"));

        var keys = services.GetRequiredService<RevocationKeys>();

        Assert.Equal("acme:revocations", keys.Channel.ToString());
        Assert.Equal("acme:{revoked}:index", keys.Index.ToString());
    }

    [Fact]
    public void KeyPrefix_NotConfigured_TheIdentityServersDefault_NeverAnotherSectionsPrefix()
    {
        // An API's own Redis:KeyPrefix names its own keys, not the IdentityServer's: following it would subscribe to
        // a channel nobody publishes on, and accept revoked tokens without a sign.
        using var services = ApiWith("Production", ("Redis:KeyPrefix", "notes-api:"));

        Assert.Equal("redisjwt:revocations", services.GetRequiredService<RevocationKeys>().Channel.ToString());
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Development")]
    public void CheckOff_OutsideBenchmark_Refused(string environment)
    {
        using var services = ApiWith(environment, ("Revocation:CheckEnabled", "false"));

        var refused = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<RevocationOptions>>().Value);

        Assert.Contains("Revocation:CheckEnabled=false", refused.Message);
    }

    [Fact]
    public void CheckOff_InBenchmark_Allowed()
    {
        using var services = ApiWith(RevocationOptions.BenchmarkEnvironment, ("Revocation:CheckEnabled", "false"));

        Assert.False(services.GetRequiredService<IOptions<RevocationOptions>>().Value.CheckEnabled);
    }

    private static ServiceProvider ApiWith(string environment, params (string Key, string Value)[] settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = environment });
        foreach (var (key, value) in settings)
        {
            builder.Configuration[key] = value;
        }

        builder.Services.AddOpenIddict().AddValidation(options => options.UseRedisRevocation());
        return builder.Services.BuildServiceProvider();
    }
}
