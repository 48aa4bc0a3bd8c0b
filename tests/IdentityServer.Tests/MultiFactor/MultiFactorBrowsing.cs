using System.Net;
using Microsoft.IdentityModel.JsonWebTokens;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests.MultiFactor;

/// <summary>The steps of the multi-factor tests, through the server's own pages as a browser takes them.</summary>
internal static class MultiFactorBrowsing
{
    public const string Password = "Str0ng!Password";

    /// <summary>Enrols an authenticator app from the account page; returns its key and the recovery codes shown once.</summary>
    public static async Task<(string Key, IReadOnlyList<string> RecoveryCodes)> EnrolAuthenticatorAsync(Browser browser)
    {
        var enrolment = await browser.NavigateAsync("/Account/TwoFactor/Authenticator");
        Assert.Equal(HttpStatusCode.OK, enrolment.Response.StatusCode);
        var key = enrolment.Document!.QuerySelector("#authenticator-key")!.TextContent.Replace(" ", "");
        var confirmed = await browser.SubmitAsync(enrolment, "form", new Dictionary<string, string> { ["code"] = Totp.Code(key) });
        var codes = confirmed.Document?.QuerySelectorAll("#recovery-codes code").Select(code => code.TextContent).ToList() ?? [];
        Assert.True(codes.Count > 0, $"No recovery codes after enrolment: {confirmed.Body}");
        return (key, codes);
    }

    /// <summary>The password on the login page; returns the page it leads to (the second factor's, for an enrolled user).</summary>
    public static Task<Navigation> PasswordAsync(Browser browser, string email) => OAuth.SubmitLoginAsync(browser, email, Password);

    public static Task<Navigation> SubmitCodeAsync(Browser browser, Navigation secondFactor, string code) =>
        browser.SubmitAsync(secondFactor, "#authenticator-code-form", new Dictionary<string, string> { ["code"] = code });

    public static Task<Navigation> SubmitRecoveryCodeAsync(Browser browser, Navigation secondFactor, string code) =>
        browser.SubmitAsync(secondFactor, "#recovery-code-form", new Dictionary<string, string> { ["recoveryCode"] = code });

    /// <summary>A code flow to the SPA client's callback and its redemption, for a browser signed in already.</summary>
    public static async Task<TokenResponse> TokensAsync(Browser browser, string scope = "openid offline_access",
        params (string, string)[] extra)
    {
        var pkce = Pkce.Create();
        var (code, callback) = await OAuth.AuthorizeAsync(browser,
            OAuth.AuthorizeUrl(IdentityServerFactory.SpaClientId, IdentityServerFactory.SpaRedirectUri, scope, pkce, extra: extra));
        Assert.True(code.Length > 0, $"No code: {string.Join(", ", callback)}");
        var tokens = await OAuth.RedeemCodeAsync(browser.Client, IdentityServerFactory.SpaClientId, IdentityServerFactory.SpaRedirectUri,
            code, pkce.Verifier);
        Assert.Equal(HttpStatusCode.OK, tokens.Status);
        return tokens;
    }

    public static string[] Amr(string jwt) => [.. new JsonWebToken(jwt).GetPayloadValue<string[]>("amr")];

    public static string? Acr(string jwt) => new JsonWebToken(jwt).TryGetPayloadValue<string>("acr", out var acr) ? acr : null;
}
