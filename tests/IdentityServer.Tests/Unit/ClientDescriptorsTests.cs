using RedisJwt.IdentityServer.Clients;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.Tests.Unit;

public sealed class ClientDescriptorsTests
{
    private static ClientSeed Spa() => new()
    {
        Type = "public",
        ConsentType = "implicit",
        GrantTypes = ["authorization_code", "refresh_token"],
        RedirectUris = [new Uri("https://app.example/callback")],
        Scopes = ["openid", "offline_access", "posts.read"],
    };

    [Fact]
    public void Create_PublicCodeClient_PkceRequiredAndOnlyGrantedPermissions()
    {
        var descriptor = ClientDescriptors.Create("spa", Spa());

        Assert.Equal(ClientTypes.Public, descriptor.ClientType);
        Assert.Equal(ConsentTypes.Implicit, descriptor.ConsentType);
        Assert.Contains(Requirements.Features.ProofKeyForCodeExchange, descriptor.Requirements);
        Assert.Equal(
            new[]
            {
                Permissions.Endpoints.Authorization, Permissions.Endpoints.EndSession, Permissions.Endpoints.PushedAuthorization,
                Permissions.Endpoints.Revocation, Permissions.Endpoints.Token, Permissions.GrantTypes.AuthorizationCode,
                Permissions.GrantTypes.RefreshToken,
                Permissions.ResponseTypes.Code, Permissions.Prefixes.Scope + "posts.read",
            }.Order(),
            descriptor.Permissions.Order());
    }

    [Theory]
    [InlineData("public", null)]
    [InlineData("confidential", "s")]
    public void Create_DeviceClient_DeviceEndpointAndGrantOnly_NoRedirectUriNeeded(string type, string? secret)
    {
        var descriptor = ClientDescriptors.Create("tv", new ClientSeed
        {
            Type = type,
            Secret = secret,
            GrantTypes = [GrantTypes.DeviceCode],
            Scopes = ["openid", "posts.read"],
        });

        Assert.Equal(
            new[]
            {
                Permissions.Endpoints.DeviceAuthorization, Permissions.Endpoints.Revocation, Permissions.Endpoints.Token,
                Permissions.GrantTypes.DeviceCode, Permissions.Prefixes.Scope + "posts.read",
            }.Order(),
            descriptor.Permissions.Order());
    }

    [Fact]
    public void Create_ResourceServer_IntrospectionOnly()
    {
        var descriptor = ClientDescriptors.Create("api", new ClientSeed { Secret = "s", Introspection = true });

        Assert.Equal([Permissions.Endpoints.Introspection], descriptor.Permissions);
    }

    [Fact]
    public void Create_RequirePushedAuthorizationRequests_OpenIddictRequirement_OnlyForTheCodeFlow()
    {
        var seed = Spa();
        Assert.DoesNotContain(Requirements.Features.PushedAuthorizationRequests, ClientDescriptors.Create("spa", seed).Requirements);
        seed.RequirePushedAuthorizationRequests = true;

        Assert.Contains(Requirements.Features.PushedAuthorizationRequests, ClientDescriptors.Create("spa", seed).Requirements);
        var machine = new ClientSeed { Type = "confidential", Secret = "s", GrantTypes = ["client_credentials"], RequirePushedAuthorizationRequests = true };
        Assert.Contains(ClientDescriptors.Validate("machine", machine, new ClientRules()),
            error => error.Field == nameof(ClientSeed.RequirePushedAuthorizationRequests));
    }

    [Fact]
    public void Create_RequireMfa_StoredAsRequireMfaProperty()
    {
        var seed = Spa();
        seed.RequireMfa = true;

        var descriptor = ClientDescriptors.Create("spa", seed);

        Assert.True(ClientProperties.RequiresMfa(descriptor));
        Assert.True(descriptor.Properties["require_mfa"].GetBoolean());
    }

    [Fact]
    public void Create_RequireMfaNotSet_NoProperty()
    {
        var descriptor = ClientDescriptors.Create("spa", Spa());

        Assert.False(ClientProperties.RequiresMfa(descriptor));
        Assert.False(descriptor.Properties.ContainsKey("require_mfa"));
    }

    public static TheoryData<string, Action<ClientSeed>, string> Invalid => new()
    {
        { "public with secret", seed => seed.Secret = "s", "cannot have a Secret" },
        { "confidential without secret", seed => seed.Type = "confidential", "needs a Secret" },
        { "public client credentials", seed => seed.GrantTypes.Add("client_credentials"), "cannot use client_credentials" },
        { "password grant, not the first-party client", seed => seed.GrantTypes.Add("password"), "reserved for the public first-party client" },
        { "implicit flow", seed => seed.GrantTypes.Add("implicit"), "\"implicit\" is not supported" },
        { "no redirect uri", seed => seed.RedirectUris.Clear(), "at least one RedirectUri" },
        { "fragment", seed => seed.RedirectUris.Add(new Uri("https://app.example/cb#x")), "without a fragment" },
        { "unknown type", seed => seed.Type = "trusted", "Type must be" },
        { "unknown consent", seed => seed.ConsentType = "sometimes", "ConsentType must be" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Create_InvalidClient_ErrorNamesClient(string because, Action<ClientSeed> spoil, string message)
    {
        var seed = Spa();
        spoil(seed);

        var error = Assert.Throws<InvalidOperationException>(() => ClientDescriptors.Create("spa", seed));

        Assert.StartsWith("Seed:Clients:spa:", error.Message);
        Assert.True(error.Message.Contains(message, StringComparison.Ordinal), $"{because}: {error.Message}");
    }

    [Fact]
    public void Create_PasswordGrant_OnlyForThePublicFirstPartyClient()
    {
        var app = new ClientSeed { Type = "public", ConsentType = "implicit", GrantTypes = ["password", "refresh_token"], Scopes = ["account"] };

        var descriptor = ClientDescriptors.Create("app", app, firstPartyClientId: "app");
        var confidential = Assert.Throws<InvalidOperationException>(() => ClientDescriptors.Create("app",
            new ClientSeed { Secret = "s", GrantTypes = ["password"] }, firstPartyClientId: "app"));

        Assert.Contains(Permissions.GrantTypes.Password, descriptor.Permissions);
        Assert.Contains("reserved for the public first-party client", confidential.Message);
    }

    [Theory]
    [InlineData("6f9619ff-8b86-d011-b42d-00cf4fc964ff")]
    [InlineData("6F9619FF8B86D011B42D00CF4FC964FF")]
    public void Create_GuidShapedClientId_RefusedBecauseItCouldPassForAUser(string clientId)
    {
        var error = Assert.Throws<InvalidOperationException>(() => ClientDescriptors.Create(clientId, Spa()));
        Assert.Contains("must not look like a GUID", error.Message);
    }
}
