using System.Net;
using Microsoft.Extensions.Options;
using RedisJwt.BoardApi.Tests.Infrastructure;
using RedisJwt.Revocation;

namespace RedisJwt.BoardApi.Tests;

/// <summary>
/// Revocation:CheckEnabled=false turns a security check off. It is there to measure what the check costs, so it is one
/// setting away only in the environment named Benchmark; anywhere else the service refuses to start (issue 18).
/// </summary>
public sealed class RevocationCheckSwitchTests
{
    private static readonly Uri UnusedIssuer = new("http://127.0.0.1:9/");

    [Theory]
    [InlineData("Production")]
    [InlineData("Development")]
    [InlineData("Staging")]
    public void CheckOff_OutsideBenchmark_RefusesToStart(string environment)
    {
        using var factory = CheckOffIn(environment);

        var refused = Assert.Throws<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains("Revocation:CheckEnabled=false", refused.Message);
        Assert.Contains($"not in '{environment}'", refused.Message);
    }

    [Fact]
    public async Task CheckOff_InBenchmark_Starts()
    {
        using var factory = CheckOffIn(RevocationOptions.BenchmarkEnvironment);

        using var response = await factory.CreateClient().GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static BoardApiFactory CheckOffIn(string environment) =>
        new(UnusedIssuer, overrides: new Dictionary<string, string?> { ["Revocation:CheckEnabled"] = "false" }, environment: environment)
        {
            CreateDatabase = false,
        };
}
