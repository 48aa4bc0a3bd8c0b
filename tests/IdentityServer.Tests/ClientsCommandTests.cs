using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using RedisJwt.IdentityServer.Clients;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests;

/// <summary>`IdentityServer clients ...`: the admin API's operations from a shell, same registry and rules.</summary>
public sealed class ClientsCommandTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    [Fact]
    public async Task Add_Confidential_SecretPrintedOnceAndWorks()
    {
        var clientId = $"cli-{Guid.NewGuid():N}"[..12];

        var (exit, output, errors) = await RunAsync("add", "--client-id", clientId, "--name", "Acme CLI", "--type", "confidential",
            "--grant", "client_credentials", "--scope", "posts.read", "--scope", "posts.write");

        Assert.True(exit == 0, errors);
        var secretLines = output.Split('\n').Where(line => line.StartsWith("client_secret: ", StringComparison.Ordinal)).ToList();
        var secret = Assert.Single(secretLines)["client_secret: ".Length..].Trim();
        Assert.Contains("will not be shown again", output);
        Assert.Equal(HttpStatusCode.OK, (await OAuth.PostAsync(server.CreateClient(), "/connect/token",
            new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "posts.write" }, (clientId, secret))).Status);

        var (showExit, shown, _) = await RunAsync("show", clientId);
        Assert.Equal(0, showExit);
        Assert.Contains("client_name: Acme CLI", shown);
        Assert.Contains("scope: posts.read posts.write", shown);
        Assert.DoesNotContain(secret, shown);
    }

    [Fact]
    public async Task ListUpdateRotateRemove_ChangeTheClient()
    {
        var clientId = $"cli-{Guid.NewGuid():N}"[..12];
        Assert.Equal(0, (await RunAsync("add", "--client-id", clientId, "--type", "public", "--consent", "implicit",
            "--grant", "authorization_code", "--redirect-uri", "https://cli.example/cb", "--scope", "openid posts.read")).Exit);

        var (_, list, _) = await RunAsync("list");
        Assert.Matches("CLIENT_ID +TYPE +CONSENT", list);
        Assert.Contains(list.Split('\n'), line => line.StartsWith(clientId, StringComparison.Ordinal) && line.Contains("public"));
        Assert.Contains(list.Split('\n'), line => line.StartsWith(IdentityServerFactory.ThirdPartyClientId, StringComparison.Ordinal) && line.TrimEnd().EndsWith("yes"));

        var (updateExit, updated, updateErrors) = await RunAsync("update", clientId, "--redirect-uri", "https://cli.example/other");
        Assert.True(updateExit == 0, updateErrors);
        Assert.Contains("redirect_uris: https://cli.example/other", updated);
        Assert.Contains("scope: openid posts.read", updated); // not given, so kept
        Assert.Contains("require_auth_time: no", updated);
        Assert.Equal(["https://cli.example/other"], await RedirectUrisAsync(clientId));

        var (flagExit, flagged, flagErrors) = await RunAsync("update", clientId, "--require-auth-time");
        Assert.True(flagExit == 0, flagErrors);
        Assert.Contains("require_auth_time: yes", flagged);
        Assert.Contains("redirect_uris: https://cli.example/other", flagged);
        Assert.Contains("require_auth_time: no", (await RunAsync("update", clientId, "--no-require-auth-time")).Output);

        var (rotateExit, _, rotateErrors) = await RunAsync("rotate-secret", clientId);
        Assert.Equal(1, rotateExit);
        Assert.Contains("public client has no secret", rotateErrors);

        Assert.Equal(0, (await RunAsync("remove", clientId)).Exit);
        Assert.Null(await server.WithScopeAsync(services =>
            services.GetRequiredService<IOpenIddictApplicationManager>().FindByClientIdAsync(clientId).AsTask()));
        var (showExit, _, showErrors) = await RunAsync("show", clientId);
        Assert.Equal(1, showExit);
        Assert.Contains("no client", showErrors);
    }

    [Fact]
    public async Task Update_RequireMfaFlag_ShownAndStoredForTheSignIn()
    {
        var clientId = $"cli-{Guid.NewGuid():N}"[..12];
        var (addExit, added, addErrors) = await RunAsync("add", "--client-id", clientId, "--type", "public", "--consent", "implicit",
            "--grant", "authorization_code", "--redirect-uri", "https://cli.example/cb", "--scope", "openid");
        Assert.True(addExit == 0, addErrors);
        Assert.Contains("require_mfa: no", added);
        Assert.False(await RequiresMfaAsync(clientId));

        var (flagExit, flagged, flagErrors) = await RunAsync("update", clientId, "--require-mfa");
        Assert.True(flagExit == 0, flagErrors);
        Assert.Contains("require_mfa: yes", flagged);
        Assert.Contains("require_auth_time: no", flagged); // the other flag untouched
        Assert.True(await RequiresMfaAsync(clientId));

        Assert.Contains("require_mfa: no", (await RunAsync("update", clientId, "--no-require-mfa")).Output);
        Assert.False(await RequiresMfaAsync(clientId));
    }

    [Fact]
    public async Task Update_RequireParFlag_ShownAndOnAndOff()
    {
        var clientId = $"cli-{Guid.NewGuid():N}"[..12];
        var (addExit, added, addErrors) = await RunAsync("add", "--client-id", clientId, "--type", "public", "--consent", "implicit",
            "--grant", "authorization_code", "--redirect-uri", "https://cli.example/cb", "--scope", "openid");
        Assert.True(addExit == 0, addErrors);
        Assert.Contains("require_pushed_authorization_requests: no", added);

        var (flagExit, flagged, flagErrors) = await RunAsync("update", clientId, "--require-par");
        Assert.True(flagExit == 0, flagErrors);
        Assert.Contains("require_pushed_authorization_requests: yes", flagged);
        Assert.Contains("require_mfa: no", flagged); // the other flags untouched

        Assert.Contains("require_pushed_authorization_requests: no", (await RunAsync("update", clientId, "--no-require-par")).Output);
    }

    [Fact]
    public async Task Update_RequireDPoPFlag_ShownAndOnAndOff()
    {
        var clientId = $"cli-{Guid.NewGuid():N}"[..12];
        var (addExit, added, addErrors) = await RunAsync("add", "--client-id", clientId, "--type", "confidential",
            "--grant", "client_credentials", "--scope", "posts.read");
        Assert.True(addExit == 0, addErrors);
        Assert.Contains("dpop_bound_access_tokens: no", added);

        var (flagExit, flagged, flagErrors) = await RunAsync("update", clientId, "--require-dpop");
        Assert.True(flagExit == 0, flagErrors);
        Assert.Contains("dpop_bound_access_tokens: yes", flagged);
        Assert.Contains("require_mfa: no", flagged); // the other flags untouched

        Assert.Contains("dpop_bound_access_tokens: no", (await RunAsync("update", clientId, "--no-require-dpop")).Output);
    }

    [Fact]
    public async Task LogoutUris_SetShownAndRemoved()
    {
        var clientId = $"cli-{Guid.NewGuid():N}"[..12];
        var (addExit, added, addErrors) = await RunAsync("add", "--client-id", clientId, "--type", "public", "--grant", "authorization_code",
            "--redirect-uri", "https://acme.example/cb", "--backchannel-logout-uri", "https://acme.example/bcl",
            "--backchannel-logout-session-required", "--frontchannel-logout-uri", "https://acme.example/fcl");
        Assert.True(addExit == 0, addErrors);
        Assert.Contains("backchannel_logout_uri: https://acme.example/bcl", added);
        Assert.Contains("backchannel_logout_session_required: yes", added);
        Assert.Contains("frontchannel_logout_uri: https://acme.example/fcl", added);

        var (exit, updated, errors) = await RunAsync("update", clientId, "--backchannel-logout-uri", "", "--no-backchannel-logout-session-required");
        Assert.True(exit == 0, errors);
        Assert.Contains("backchannel_logout_uri: " + Environment.NewLine, updated);
        Assert.Contains("frontchannel_logout_uri: https://acme.example/fcl", updated);
    }

    [Theory]
    [InlineData(2, "Unknown command", "frobnicate")]
    [InlineData(2, "needs a client id", "show")]
    [InlineData(2, "needs --type", "add", "--client-id", "x-client")]
    [InlineData(2, "Unknown option", "add", "--client-id", "x-client", "--type", "public", "--colour", "red")]
    [InlineData(2, "needs a value", "add", "--client-id", "x-client", "--type")]
    [InlineData(1, "--redirect-uri", "add", "--client-id", "x-client", "--type", "public", "--grant", "authorization_code",
        "--redirect-uri", "javascript:alert(1)")]
    [InlineData(1, "--scope", "add", "--client-id", "x-client", "--type", "confidential", "--scope", "everything")]
    [InlineData(1, "managed by configuration", "remove", IdentityServerFactory.ThirdPartyClientId)]
    public async Task BadInput_NonZeroExitAndAMessage(int expectedExit, string message, params string[] args)
    {
        var (exit, output, errors) = await RunAsync(args);

        Assert.Equal(expectedExit, exit);
        Assert.Contains(message, errors);
        Assert.DoesNotContain("client_secret", output);
        Assert.Null(await server.WithScopeAsync(services =>
            services.GetRequiredService<IOpenIddictApplicationManager>().FindByClientIdAsync("x-client").AsTask()));
    }

    [Fact]
    public async Task Process_ClientsAdd_RegistersInTheConfiguredDatabaseAndExits()
    {
        var clientId = $"proc-{Guid.NewGuid():N}"[..13];
        var (exitCode, output, errors) = await ServerCommand.RunAsync(server.DatabaseName, server.RedisPrefix, "clients", "add",
            "--client-id", clientId, "--type", "confidential", "--grant", "client_credentials", "--scope", "posts.read");

        Assert.True(exitCode == 0, $"clients add exited {exitCode}: {output}{errors}");
        var secret = output.Split('\n').Single(line => line.StartsWith("client_secret: ", StringComparison.Ordinal))["client_secret: ".Length..].Trim();
        Assert.Equal(HttpStatusCode.OK, (await OAuth.PostAsync(server.CreateClient(), "/connect/token",
            new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "posts.read" }, (clientId, secret))).Status);

        var (badExit, _, badErrors) = await ServerCommand.RunAsync(server.DatabaseName, server.RedisPrefix, "clients", "add", "--client-id", "x");
        Assert.Equal(2, badExit);
        Assert.Contains("add needs --type", badErrors);
    }

    private async Task<(int Exit, string Output, string Errors)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var exit = await ClientsCommand.RunAsync(server.Services, args, output, errors);
        return (exit, output.ToString(), errors.ToString());
    }

    private Task<bool> RequiresMfaAsync(string clientId) => server.WithScopeAsync(async services =>
    {
        var applications = services.GetRequiredService<IOpenIddictApplicationManager>();
        return await ClientProperties.RequiresMfaAsync(applications, (await applications.FindByClientIdAsync(clientId))!);
    });

    private Task<string[]> RedirectUrisAsync(string clientId) => server.WithScopeAsync(async services =>
    {
        var applications = services.GetRequiredService<IOpenIddictApplicationManager>();
        return (await applications.GetRedirectUrisAsync((await applications.FindByClientIdAsync(clientId))!)).ToArray();
    });
}
