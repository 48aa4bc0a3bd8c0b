using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>Misconfiguration stops the server at start, with a message naming the setting.</summary>
public sealed class StartupTests
{
    [Fact]
    public async Task Production_NoSigningCertificate_RefusesToStart()
    {
        var error = await StartAsync("Production", new()
        {
            ["Credentials:SigningCertificatePath"] = "",
            ["Credentials:SigningKeyPath"] = "",
        });

        Assert.Contains("Credentials:SigningCertificatePath", error.ToString());
    }

    [Fact]
    public async Task MissingCertificateFile_RefusesToStart()
    {
        var error = await StartAsync("Development", new()
        {
            ["Credentials:SigningCertificatePath"] = "/nonexistent/signing.crt",
        });

        Assert.Contains("/nonexistent/signing.crt", error.ToString());
    }

    [Fact]
    public async Task EncryptionCertificateUsedForSigning_RefusesToStart()
    {
        var error = await StartAsync("Development", new()
        {
            ["Credentials:SigningCertificatePath"] = Path.Combine(TestCertificates.Directory, "encryption.pfx"),
            ["Credentials:SigningKeyPath"] = "",
            ["Credentials:SigningCertificatePassword"] = TestCertificates.PfxPassword,
        });

        Assert.Contains("DigitalSignature", error.ToString());
    }

    [Fact]
    public async Task Es256WithAnRsaCertificate_RefusesToStart()
    {
        var error = await StartAsync("Development", new() { ["Credentials:SigningAlgorithm"] = "ES256" });

        Assert.Contains("must hold an EC P-256 key (for ES256)", error.ToString());
    }

    [Fact]
    public async Task Rs256WithAnEcCertificate_RefusesToStart()
    {
        var error = await StartAsync("Development", new(TestCertificates.EcSigningSettings()) { ["Credentials:SigningAlgorithm"] = "RS256" });

        Assert.Contains("must hold an RSA key", error.ToString());
    }

    [Theory]
    [InlineData("HS256")]
    [InlineData("none")]
    [InlineData("rs256")]
    public async Task SigningAlgorithmOtherThanTheThree_RefusesToStart(string algorithm)
    {
        var error = await StartAsync("Development", new() { ["Credentials:SigningAlgorithm"] = algorithm });

        Assert.Contains("Credentials:SigningAlgorithm must be RS256, PS256 or ES256", error.ToString());
    }

    [Fact]
    public async Task PlainHttpIssuerWithoutOptIn_RefusesToStart()
    {
        var error = await StartAsync("Production", new() { ["Server:AllowInsecureHttp"] = "false" });

        Assert.Contains("Server:Issuer must use https", error.ToString());
    }

    [Fact]
    public async Task ConfidentialClientWithoutSecret_RefusesToStart()
    {
        var error = await StartAsync("Development", new() { ["Seed:Clients:third-party-demo:Secret"] = "" });

        Assert.Contains("Seed:Clients:third-party-demo", error.ToString());
    }

    [Fact]
    public async Task CorsOriginWithPath_RefusesToStart()
    {
        var error = await StartAsync("Development", new() { ["Cors:AllowedOrigins:0"] = "https://app.example/callback" });

        Assert.Contains("Cors:AllowedOrigins:0", error.ToString());
    }

    [Fact]
    public async Task TrustedProxyNotAnAddress_RefusesToStart()
    {
        var error = await StartAsync("Development", new() { ["ForwardedHeaders:KnownProxies:0"] = "nginx" });

        Assert.Contains("ForwardedHeaders:KnownProxies:0", error.ToString());
    }

    [Fact]
    public async Task NoSentinelAnswering_RefusesToStart()
    {
        var error = await StartAsync("Development", new() { ["ConnectionStrings:Redis"] = "127.0.0.1:1,serviceName=redisjwt,connectTimeout=300" });

        Assert.Contains("ConnectionStrings:Redis: no Sentinel at 127.0.0.1:1 named the primary of service \"redisjwt\"", error.ToString());
    }

    [Fact]
    public async Task Production_ApiScopeWithoutResource_RefusesToStartNamingIt()
    {
        var error = await StartAsync("Production", new() { ["Seed:ApiScopes:posts.read:Resource"] = "" });

        Assert.Contains("Seed:ApiScopes:posts.read:Resource is required", error.ToString());
    }

    [Theory]
    [InlineData("board-api", "must be an absolute URI without a fragment")]
    [InlineData("https://api.example.test/#posts", "must be an absolute URI without a fragment")]
    [InlineData("https://API.example.test", "must be written in its normal form, \"https://api.example.test/\"")]
    public async Task ApiScopeResourceNotAResourceIdentifier_RefusesToStart(string resource, string message)
    {
        var error = await StartAsync("Development", new() { ["Seed:ApiScopes:posts.write:Resource"] = resource });

        Assert.Contains($"Seed:ApiScopes:posts.write:Resource \"{resource}\" {message}", error.ToString());
    }

    [Fact]
    public async Task OwnApiScopeWithAnotherResource_RefusesToStart()
    {
        // The account API's resource is derived from the issuer; the old audience "account" is refused, not kept.
        var error = await StartAsync("Development", new() { ["Seed:ApiScopes:account:Resource"] = "account" });

        Assert.Contains("Seed:ApiScopes:account:Resource is http://localhost/auth, derived from Server:Issuer", error.ToString());
    }

    [Fact]
    public async Task ResourceServerClientOfAnUnknownResource_RefusesToStart()
    {
        var error = await StartAsync("Development", new() { ["Seed:Clients:board-api:Resource"] = "https://elsewhere.example.test/" });

        Assert.Contains("\"https://elsewhere.example.test/\" is not the resource of any API scope", error.ToString());
    }

    private static async Task<Exception> StartAsync(string environment, Dictionary<string, string?> overrides)
    {
        await using var factory = IdentityServerFactory.Create(IdentityServerFactory.NewDatabaseName(),
            $"test:{Guid.NewGuid():N}:", overrides, environment);
        return Assert.ThrowsAny<Exception>(() => factory.Server);
    }
}
