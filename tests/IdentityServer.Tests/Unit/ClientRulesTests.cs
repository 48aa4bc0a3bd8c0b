using RedisJwt.IdentityServer.Clients;

namespace RedisJwt.IdentityServer.Tests.Unit;

/// <summary>The rules the admin API and CLI add to the seed's: redirect URI schemes and spelling, known scopes.</summary>
public sealed class ClientRulesTests
{
    private static readonly ClientRules Production = new(KnownScopes: new HashSet<string> { "openid", "posts.read" }, AnyHttpHost: false);

    private static IReadOnlyList<ClientError> Validate(string redirectUri, ClientRules rules, params string[] scopes) =>
        ClientDescriptors.Validate("app", new ClientSeed
        {
            Type = "public",
            GrantTypes = ["authorization_code"],
            RedirectUris = [new Uri(redirectUri, UriKind.RelativeOrAbsolute)],
            Scopes = [.. scopes],
        }, rules);

    [Theory]
    [InlineData("https://app.example/cb")]
    [InlineData("http://127.0.0.1:5003/cb")]
    [InlineData("http://[::1]:5003/cb")]
    [InlineData("com.example.app:/callback")]
    public void Allowed_NoErrors(string redirectUri) => Assert.Empty(Validate(redirectUri, Production, "openid"));

    [Theory]
    [InlineData("http://app.example/cb", "must use https")]
    [InlineData("http://localhost:5003/cb", "must use https")]
    [InlineData("javascript:alert(1)", "must use https")]
    [InlineData("/relative/cb", "absolute URI")]
    [InlineData("https://APP.example/cb", "normal form")]
    [InlineData("https://app.example", "normal form")]
    public void Refused_ErrorOnRedirectUris(string redirectUri, string message)
    {
        var error = Assert.Single(Validate(redirectUri, Production));
        Assert.Equal(nameof(ClientSeed.RedirectUris), error.Field);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Development_HttpOnAnyHost() =>
        Assert.Empty(Validate("http://app.example/cb", Production with { AnyHttpHost = true }));

    [Fact]
    public void UnknownScope_NamedWithTheKnownOnes()
    {
        var error = Assert.Single(Validate("https://app.example/cb", Production, "openid", "posts.delete"));
        Assert.Equal(nameof(ClientSeed.Scopes), error.Field);
        Assert.Contains("\"posts.delete\"", error.Message);
        Assert.Contains("openid posts.read", error.Message);
    }

    [Fact]
    public void ConfidentialClient_NoPlainHttpEvenOnLoopback()
    {
        var error = Assert.Single(ClientDescriptors.Validate("web", new ClientSeed
        {
            Type = "confidential",
            Secret = "s3cret",
            GrantTypes = ["authorization_code"],
            RedirectUris = [new Uri("http://127.0.0.1:5003/cb")],
        }, Production));
        Assert.Equal(nameof(ClientSeed.RedirectUris), error.Field);
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("-_")]
    public void ClientIdWithoutLetterOrDigit_Refused(string clientId)
    {
        var error = Assert.Single(ClientDescriptors.Validate(clientId, new ClientSeed { Type = "public" }, Production));
        Assert.Equal(ClientDescriptors.ClientIdField, error.Field);
    }

    [Fact]
    public void ReservedScope_RefusedWhereReserved()
    {
        var rules = Production with { KnownScopes = new HashSet<string> { "openid", "account" }, ReservedScopes = new HashSet<string> { "account" } };

        var error = Assert.Single(Validate("https://app.example/cb", rules, "openid", "account"));

        Assert.Equal(nameof(ClientSeed.Scopes), error.Field);
        Assert.Contains("\"account\"", error.Message);
        Assert.Empty(Validate("https://app.example/cb", rules with { ReservedScopes = null }, "openid", "account"));
    }

    [Fact]
    public void ResourceServer_ItsResource_StoredForIntrospection()
    {
        var rules = Production with { KnownResources = new HashSet<string> { "https://api.example/" } };
        var board = new ClientSeed { Secret = "s", Introspection = true, Resource = "https://api.example/" };

        Assert.Empty(ClientDescriptors.Validate("board", board, rules));
        Assert.Equal("https://api.example/", ClientDescriptors.Describe("board", board).Properties[ClientProperties.Resource].GetString());
    }

    [Theory]
    [InlineData(false, "https://api.example/", "set Introspection too")]
    [InlineData(true, "https://other.example/", "is not the resource of any API scope")]
    public void ResourceServer_WithoutIntrospectionOrOfAnUnknownResource_ErrorOnResource(bool introspection, string resource, string message)
    {
        var rules = Production with { KnownResources = new HashSet<string> { "https://api.example/" } };

        var error = Assert.Single(ClientDescriptors.Validate("board",
            new ClientSeed { Secret = "s", Introspection = introspection, Resource = resource }, rules));

        Assert.Equal(nameof(ClientSeed.Resource), error.Field);
        Assert.Contains(message, error.Message);
    }
}
