using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RedisJwt.IdentityServer.Account.Notifications;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.Messages;
using RedisJwt.IdentityServer.MultiFactor;
using RedisJwt.IdentityServer.Tests.MultiFactor;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests.Telemetry;

/// <summary>Every category logging at Trace, OpenIddict's and ASP.NET Core's included, into a capture.</summary>
public sealed class TracedServer : MessageFolderServer
{
    public TracedServer() => Server.TestServices = services => services.AddSingleton<ILoggerProvider>(Capture);

    public LogCapture Capture { get; } = new();

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Logging:LogLevel:Default"] = "Trace",
        ["Logging:LogLevel:Microsoft"] = "Trace",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
        ["Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command"] = "Trace",
        ["Logging:LogLevel:OpenIddict"] = "Trace",
        ["Logging:LogLevel:System.Net.Http"] = "Trace",
        // Off by default outside Development (their cost per request); on here, so that their lines are checked too.
        ["Logging:LogLevel:RedisJwt.Access"] = "Trace",
        ["Logging:LogLevel:RedisJwt.Audit.Tokens"] = "Trace",
    };
}

/// <summary>
/// The main flows, with every log category at Trace: no password, client secret, token, authorization code, reset
/// link, authenticator key or recovery code may appear in a log message, a structured value, a scope or an exception.
/// </summary>
public sealed class LogSecretsTests(TracedServer traced) : IClassFixture<TracedServer>
{
    private IdentityServerFactory Server => traced.Server;

    [Fact]
    public async Task MainFlows_AtTraceLevel_LogNoSecret()
    {
        var secrets = new List<string> { IdentityServerFactory.ThirdPartySecret, IdentityServerFactory.BoardApiSecret };
        var client = Server.CreateApiClient();

        // Registration on the page, then sign-in on the login page and the code flow with PKCE.
        var email = $"secrets-{Guid.NewGuid():N}@example.test";
        var password = $"Reg1stered!{Guid.NewGuid():N}";
        secrets.Add(password);
        var registering = Server.CreateBrowser();
        await registering.SubmitAsync(await registering.NavigateAsync("/Account/Register"), "form", new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.DisplayName"] = "Secret Keeper",
            ["Input.BirthDate"] = "1990-12-10",
            ["Input.Password"] = password,
            ["Input.ConfirmPassword"] = password,
        });
        // The emailed confirmation link, followed.
        var confirmation = MessageFolderServer.Link(await traced.WaitForAsync(email, MessageKinds.EmailVerification), AccountMessages.ConfirmEmailPath);
        secrets.AddRange([confirmation.Code, confirmation.PathAndQuery]);
        var confirmed = await ConfirmationLinks.ConfirmAsync(registering, confirmation.PathAndQuery, password);
        Assert.True(confirmed.Response.IsSuccessStatusCode, $"{confirmed.Response.StatusCode} {confirmed.Url}");
        var browser = Server.CreateBrowser();
        await OAuth.SignInAsync(browser, email, password);
        var pkce = Pkce.Create();
        var (code, _) = await OAuth.AuthorizeAsync(browser, OAuth.AuthorizeUrl(IdentityServerFactory.SpaClientId,
            IdentityServerFactory.SpaRedirectUri, "openid profile offline_access posts.read", pkce));
        var spa = Ok(await OAuth.RedeemCodeAsync(browser.Client, IdentityServerFactory.SpaClientId,
            IdentityServerFactory.SpaRedirectUri, code, pkce.Verifier));
        secrets.AddRange([code, pkce.Verifier]);
        secrets.AddRange(Tokens(spa));

        // Refresh, introspection, revocation.
        var refreshed = Ok(await OAuth.RefreshAsync(client, IdentityServerFactory.SpaClientId, spa.Get("refresh_token")));
        secrets.AddRange(Tokens(refreshed));
        Ok(await OAuth.IntrospectAsync(client, refreshed.Get("access_token")));
        Ok(await OAuth.RevokeAsSpaAsync(client, refreshed.Get("refresh_token")));

        // A machine client.
        secrets.Add(await OAuth.ClientCredentialsAsync(client, "posts.read"));

        // The /auth API: sign-in, refresh, wrong password.
        var login = Ok(await AuthApiClient.LoginAsync(client, email, password));
        secrets.AddRange(Tokens(login));
        secrets.AddRange(Tokens(Ok(await AuthApiClient.RefreshAsync(client, login.Get("refresh_token")))));
        var wrongPassword = $"Wrong!{Guid.NewGuid():N}";
        secrets.Add(wrongPassword);
        await AuthApiClient.LoginAsync(client, email, wrongPassword);

        // Password reset by link.
        Assert.Equal(HttpStatusCode.Accepted,
            (await AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/password/forgot", new { email })).Status);
        var link = MessageFolderServer.Link(await traced.WaitForAsync(email, MessageKinds.PasswordReset), AccountMessages.ResetPasswordPath);
        var newPassword = $"Reset!{Guid.NewGuid():N}";
        secrets.AddRange([link.Code, link.PathAndQuery, newPassword]);
        // The link opened (its code in the query string, which ASP.NET Core's request log prints), then used by the API.
        var resetPage = await browser.NavigateAsync(link.PathAndQuery);
        Assert.True(resetPage.Response.IsSuccessStatusCode, $"{resetPage.Response.StatusCode} {resetPage.Url}");
        Assert.Equal(HttpStatusCode.NoContent, (await AuthApiClient.SendAsync(client, HttpMethod.Post, "/auth/password/reset",
            new { userId = link.UserId, code = link.Code, newPassword })).Status);

        // Second factors set up and used (through UserManager and the replay guard, as the sign-in pages call them):
        // the authenticator key and the recovery codes. Not the six-digit code: short-lived, and any six digits may
        // appear in a log by chance.
        await Server.WithScopeAsync(async services =>
        {
            var users = services.GetRequiredService<UserManager<ApplicationUser>>();
            var user = (await users.FindByEmailAsync(email))!;
            Assert.True((await users.ResetAuthenticatorKeyAsync(user)).Succeeded);
            var key = (await users.GetAuthenticatorKeyAsync(user))!;
            var totp = Totp.Code(key, DateTimeOffset.UtcNow);
            Assert.True(await users.VerifyTwoFactorTokenAsync(user, TokenOptions.DefaultAuthenticatorProvider, totp));
            Assert.True(await services.GetRequiredService<AuthenticatorCodeGuard>().TryUseOnceAsync(user.Id, totp));
            var recoveryCodes = (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 10))!.ToList();
            Assert.True((await users.RedeemTwoFactorRecoveryCodeAsync(user, recoveryCodes[0])).Succeeded);
            secrets.AddRange([key, .. recoveryCodes, .. recoveryCodes.Select(RecoveryCodes.Normalize)]);
            return true;
        });

        var entries = traced.Capture.Entries.ToList();
        // The capture did see the flows, at Trace, OpenIddict's own entries included.
        Assert.Contains(entries, entry => entry.Category.StartsWith("OpenIddict.Server") && entry.Level == LogLevel.Trace);
        Assert.Contains(entries, entry => entry.Category == "RedisJwt.Audit");
        foreach (var secret in secrets.Distinct())
        {
            var leak = entries.FirstOrDefault(entry => entry.Text.Contains(secret, StringComparison.Ordinal));
            Assert.True(leak == default, $"A secret ({secret[..Math.Min(8, secret.Length)]}...) was logged by {leak.Category} at {leak.Level}: {leak.Text}");
        }
    }

    private static TokenResponse Ok(TokenResponse response)
    {
        Assert.True(response.Status == HttpStatusCode.OK, $"{(int)response.Status}: {response.Body}");
        return response;
    }

    // A whole token, and its signature alone (a token cut short in a log would still give its payload away, but
    // never be usable without the signature; JWE tokens: their ciphertext and tag).
    private static IEnumerable<string> Tokens(TokenResponse response) =>
        new[] { "access_token", "refresh_token", "id_token" }
            .Select(name => response.Json.TryGetProperty(name, out var value) ? value.GetString() : null)
            .OfType<string>()
            .SelectMany(token => new[] { token, token[(token.LastIndexOf('.') + 1)..] });
}
