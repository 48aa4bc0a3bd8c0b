namespace RedisJwt.EndToEnd.Tests;

/// <summary>One IdentityServer and one BoardApi process, for the samples to talk to.</summary>
public sealed class SampleDeployment : Deployment
{
    protected override bool SecondInstances => false;

    // Each sample test registers and signs in users of its own, all from this machine's one address; the limits
    // themselves are tested in IdentityServer.Tests.
    protected override IReadOnlyDictionary<string, string?> IdentitySettings => new Dictionary<string, string?>
    {
        ["RateLimits:Policies:registrations-per-ip:PermitLimit"] = "1000",
        ["RateLimits:Policies:sign-in-per-ip:PermitLimit"] = "1000",
        // samples/DeviceCli's client, as run.sh seeds it.
        ["Seed:Clients:device-cli:Type"] = "public",
        ["Seed:Clients:device-cli:GrantTypes:0"] = "urn:ietf:params:oauth:grant-type:device_code",
        ["Seed:Clients:device-cli:GrantTypes:1"] = "refresh_token",
        ["Seed:Clients:device-cli:Scopes:0"] = "openid",
        ["Seed:Clients:device-cli:Scopes:1"] = "offline_access",
        ["Seed:Clients:device-cli:Scopes:2"] = "posts.read",
    };
}

/// <summary>The sample tests share one deployment: each test makes its own user and posts.</summary>
[CollectionDefinition(Name)]
public sealed class SamplesCollection : ICollectionFixture<SampleDeployment>
{
    public const string Name = "samples";
}
