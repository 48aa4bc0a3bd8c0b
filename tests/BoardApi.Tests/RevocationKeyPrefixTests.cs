using Microsoft.Extensions.DependencyInjection;
using RedisJwt.BoardApi.Tests.Infrastructure;
using RedisJwt.Revocation;

namespace RedisJwt.BoardApi.Tests;

/// <summary>
/// Our services name every key under Redis:KeyPrefix, the revocation package's too: a second setting
/// (Revocation:KeyPrefix) could otherwise set the IdentityServer's writer and BoardApi's view apart, and a view
/// listening where nobody writes accepts revoked tokens without a sign.
/// </summary>
public sealed class RevocationKeyPrefixTests
{
    [Fact]
    public void RevocationKeys_UnderRedisKeyPrefix_WhateverRevocationKeyPrefixSays()
    {
        using var factory = new BoardApiFactory(new Uri("http://127.0.0.1:9/"),
            overrides: new Dictionary<string, string?> { ["Revocation:KeyPrefix"] = "elsewhere:" });

        var keys = factory.Services.GetRequiredService<RevocationKeys>();

        Assert.Equal($"{factory.RedisPrefix}revocations", keys.Channel.ToString());
    }
}
