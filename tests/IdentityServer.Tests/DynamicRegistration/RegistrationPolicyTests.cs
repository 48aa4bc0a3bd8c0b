using RedisJwt.IdentityServer.Clients;
using RedisJwt.IdentityServer.DynamicRegistration;

namespace RedisJwt.IdentityServer.Tests.DynamicRegistration;

/// <summary>An initial access token's redirect URI prefixes, alone (the registry's normal-form rule is a second line).</summary>
public sealed class RegistrationPolicyTests
{
    private static readonly RegistrationPolicy Policy = new(["authorization_code"], ["posts.read"], ["https://partner.example/app/"]);

    [Theory]
    [InlineData("https://partner.example/app/callback")]
    [InlineData("https://partner.example/app/")]
    [InlineData("https://PARTNER.example/app/cb?x=1")]
    public void UnderThePrefix_Allowed(string uri) =>
        Assert.Empty(Policy.Check(new ClientRegistration { GrantTypes = ["authorization_code"], RedirectUris = [uri] }));

    [Theory]
    [InlineData("https://partner.example/app/%2e%2e/admin")]
    [InlineData("https://partner.example/app/%2E%2e/admin")]
    [InlineData("https://partner.example/app")]
    [InlineData("https://partner.example/apps/cb")]
    [InlineData("https://partner.example.evil.example/app/cb")]
    [InlineData("https://user@partner.example/app/cb")]
    [InlineData("http://partner.example/app/cb")]
    [InlineData("https://partner.example:444/app/cb")]
    [InlineData("not a uri")]
    public void OutsideThePrefix_Refused(string uri) =>
        Assert.Equal([nameof(ClientRegistration.RedirectUris)],
            Policy.Check(new ClientRegistration { GrantTypes = ["authorization_code"], RedirectUris = [uri] }).Keys);

    [Theory]
    [InlineData("https://partner.example/", true)]
    [InlineData("https://partner.example/app/", true)]
    [InlineData("http://127.0.0.1:7000/", true)]
    [InlineData("https://partner.example", false)]
    [InlineData("https://partner.example/app", false)]
    [InlineData("https://*.example/", false)]
    [InlineData("https://partner.example/app/#x", false)]
    [InlineData("https://partner.example/app/?a=b", false)]
    [InlineData("com.example.app:/", false)]
    public void PrefixForm(string prefix, bool allowed) => Assert.Equal(allowed, RegistrationPolicy.PrefixProblem(prefix) is null);
}
