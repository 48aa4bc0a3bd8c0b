using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Validation;
using RedisJwt.Revocation.DPoP;

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

    [Theory]
    [InlineData("DPoP:ProofLifetime", "00:00:00")]
    [InlineData("DPoP:ProofLifetime", "00:30:00")]
    [InlineData("DPoP:ClockSkew", "-00:00:01")]
    [InlineData("DPoP:ClockSkew", "00:10:00")]
    public void DPoPWindow_OutOfRange_RefusedNamingTheSetting(string setting, string value)
    {
        using var services = ApiWith("Production", (setting, value));

        var refused = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<DPoPOptions>>().Value);

        Assert.Contains(setting, refused.Message);
    }

    [Fact]
    public void RevocationAndDPoP_BothUsed_EachHandlerOnce()
    {
        using var services = ApiWith("Production");

        var handlers = services.GetRequiredService<IOptions<OpenIddictValidationOptions>>().Value.Handlers;

        // Both add the 503 for an outage; twice would run it twice.
        Assert.Single(handlers, handler => handler.ServiceDescriptor.ServiceType == typeof(UnavailableChallenge));
        Assert.Equal(handlers.Count, handlers.Select(handler => handler.ServiceDescriptor.ServiceType).Distinct().Count());
        Assert.Single(handlers, handler => handler.ServiceDescriptor.ServiceType == typeof(DPoPBindingCheck));
        Assert.Equal("redisjwt:dpop-jti:", services.GetRequiredService<RevocationKeys>().DPoPProofUse("t", "j").ToString()[..18]);
    }

    private static ServiceProvider ApiWith(string environment, params (string Key, string Value)[] settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = environment });
        foreach (var (key, value) in settings)
        {
            builder.Configuration[key] = value;
        }

        // A static issuer configuration, so the validation options can be built without discovery.
        builder.Services.AddOpenIddict().AddValidation(options => options.UseDPoP().UseRedisRevocation().UseDPoP()
            .SetIssuer("https://id.example.com/")
            .SetConfiguration(new OpenIddictConfiguration { Issuer = new Uri("https://id.example.com/") }));
        builder.Services.AddDPoPProofs();
        return builder.Services.BuildServiceProvider();
    }
}
