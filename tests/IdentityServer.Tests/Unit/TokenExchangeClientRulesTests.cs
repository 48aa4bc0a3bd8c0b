using RedisJwt.IdentityServer.Clients;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.Tests.Unit;

/// <summary>The seed, admin API and CLI rules for a client of the token-exchange grant (RFC 8693).</summary>
public sealed class TokenExchangeClientRulesTests
{
    private const string Api = "https://api.example/";
    private const string Downstream = "https://downstream.example/";

    private static readonly ClientRules Rules = new(KnownResources: new HashSet<string> { Api, Downstream });

    private static ClientSeed Exchanger() => new()
    {
        Secret = "s",
        GrantTypes = [GrantTypes.TokenExchange],
        Resource = Api,
        TokenExchangeAudiences = [Downstream],
    };

    private static IEnumerable<string> FieldsOf(ClientSeed seed) =>
        ClientDescriptors.Validate("api", seed, Rules).Select(error => error.Field);

    [Fact]
    public void Create_ResourceServerExchanging_GrantPermissionAndAudiencesStored()
    {
        var descriptor = ClientDescriptors.Create("api", Exchanger(), Rules);

        Assert.Contains(Permissions.GrantTypes.TokenExchange, descriptor.Permissions);
        Assert.Contains(Permissions.Endpoints.Token, descriptor.Permissions);
        Assert.Equal([Downstream], ClientProperties.ExchangeAudiences(descriptor));
        Assert.Equal(Api, ClientProperties.Text(descriptor, ClientProperties.Resource));
    }

    [Fact]
    public void Validate_PublicClient_Refused()
    {
        var seed = Exchanger();
        seed.Type = "public";
        seed.Secret = null;

        Assert.Contains(nameof(ClientSeed.GrantTypes), FieldsOf(seed));
    }

    [Fact]
    public void Validate_NoResource_Refused()
    {
        var seed = Exchanger();
        seed.Resource = null;

        Assert.Contains(nameof(ClientSeed.Resource), FieldsOf(seed));
    }

    [Fact]
    public void Validate_NoAudiences_Refused()
    {
        var seed = Exchanger();
        seed.TokenExchangeAudiences = [];

        Assert.Contains(nameof(ClientSeed.TokenExchangeAudiences), FieldsOf(seed));
    }

    [Fact]
    public void Validate_UnknownAudience_Refused()
    {
        var seed = Exchanger();
        seed.TokenExchangeAudiences = ["https://elsewhere.example/"];

        Assert.Contains(nameof(ClientSeed.TokenExchangeAudiences), FieldsOf(seed));
    }

    [Fact]
    public void Validate_AudiencesWithoutTheGrant_Refused()
    {
        var seed = Exchanger();
        seed.GrantTypes = ["client_credentials"];

        Assert.Contains(nameof(ClientSeed.TokenExchangeAudiences), FieldsOf(seed));
    }

    [Fact]
    public void Cli_TokenExchangeAudienceRepeated_EachOneKept()
    {
        var parsed = ClientsArguments.Parse(["update", "api", "--token-exchange-audience", Api, "--token-exchange-audience", Downstream], out var error);

        Assert.Null(error);
        Assert.Equal([Api, Downstream], parsed!.Apply(new ClientRegistration()).TokenExchangeAudiences);
    }
}
