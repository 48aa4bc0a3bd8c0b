using System.ComponentModel.DataAnnotations;
using RedisJwt.ServiceDefaults.Hosting;

namespace RedisJwt.IdentityServer.Tests.Unit;

public sealed class TrustedProxiesSettingsTests
{
    [Fact]
    public void Validate_AddressesAndNetworks_Accepted()
    {
        var settings = new TrustedProxiesSettings { KnownProxies = ["172.28.0.10", "::1"], KnownNetworks = ["10.0.8.0/24", "fd00::/64"] };

        Assert.Empty(Validate(settings));
        Assert.True(settings.TrustsAnyProxy);
    }

    [Fact]
    public void Validate_Nothing_TrustsNoProxy()
    {
        var settings = new TrustedProxiesSettings();

        Assert.Empty(Validate(settings));
        Assert.False(settings.TrustsAnyProxy);
    }

    [Theory]
    [InlineData("nginx")]
    [InlineData("10.0.0.0/8")]
    [InlineData("")]
    public void Validate_ProxyNotAnAddress_RefusedNamingTheSetting(string value)
    {
        var error = Assert.Single(Validate(new TrustedProxiesSettings { KnownProxies = ["127.0.0.1", value] }));

        Assert.StartsWith("ForwardedHeaders:KnownProxies:1 is ", error.ErrorMessage);
    }

    [Theory]
    [InlineData("10.0.0.1")] // no prefix length
    [InlineData("10.0.8.0/")]
    [InlineData("10.0.0.0/33")]
    public void Validate_NetworkNotCidr_RefusedNamingTheSetting(string value)
    {
        var error = Assert.Single(Validate(new TrustedProxiesSettings { KnownNetworks = [value] }));

        Assert.StartsWith("ForwardedHeaders:KnownNetworks:0 is ", error.ErrorMessage);
    }

    private static List<ValidationResult> Validate(TrustedProxiesSettings settings)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(settings, new ValidationContext(settings), results, validateAllProperties: true);
        return results;
    }
}
