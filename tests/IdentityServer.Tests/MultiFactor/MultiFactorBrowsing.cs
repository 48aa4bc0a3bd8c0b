using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests.MultiFactor;

/// <summary>The steps of the multi-factor tests, through the server's own pages as a browser takes them.</summary>
internal static class MultiFactorBrowsing
{
    public const string Password = "Str0ng!Password";

    /// <summary>A new user, signed in with the password in a browser of their own.</summary>
    public static async Task<(Browser Browser, string Email)> SignedInAsync(IdentityServerFactory server)
    {
        var user = await server.CreateUserAsync(Password);
        var browser = server.CreateBrowser();
        await OAuth.SignInAsync(browser, user.Email!, Password);
        return (browser, user.Email!);
    }

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

    /// <summary>
    /// Adds a passkey from the account page as passkeys.js does: creation options from the page (the ceremony's state
    /// goes into this browser's cookie), then the forged credential in the form. Returns the page it leads to.
    /// </summary>
    public static async Task<Navigation> AddPasskeyAsync(Browser browser, PasskeyForge passkey,
        PasskeyForge.Forgery? forgery = null, string name = "Laptop")
    {
        var page = await browser.NavigateAsync("/Account/TwoFactor");
        var options = await PasskeyOptionsAsync(browser, page, "#add-passkey");
        return await browser.SubmitAsync(page, "#add-passkey", new Dictionary<string, string>
        {
            ["credential"] = passkey.Register(options, forgery),
            ["name"] = name,
        }, headers: OriginOf(page));
    }

    /// <summary>Adds a passkey that must be accepted; returns the recovery codes shown with it.</summary>
    public static async Task<IReadOnlyList<string>> AddedPasskeyAsync(Browser browser, PasskeyForge passkey, string name = "Laptop")
    {
        var added = await AddPasskeyAsync(browser, passkey, name: name);
        Assert.True(added.Document?.QuerySelector("#two-factor-error") is null, $"The passkey was not added: {added.Body}");
        return added.Document?.QuerySelectorAll("#recovery-codes code").Select(code => code.TextContent).ToList() ?? [];
    }

    /// <summary>A passkey alone on the login page (the discoverable-credential button).</summary>
    /// <param name="origin">The Origin header of the post, if not the page's own (a relayed assertion).</param>
    public static async Task<Navigation> PasskeySignInAsync(Browser browser, PasskeyForge passkey, PasskeyForge.Forgery? forgery = null,
        string? origin = null)
    {
        var login = await browser.NavigateAsync("/Account/Login");
        var options = await PasskeyOptionsAsync(browser, login, "#passkey-sign-in");
        return await SubmitPasskeyAsync(browser, login, "#passkey-sign-in", passkey.Assert(options, forgery), origin);
    }

    /// <summary>A passkey as the second factor, on the page the password led to.</summary>
    public static async Task<Navigation> SecondFactorPasskeyAsync(Browser browser, Navigation secondFactor, PasskeyForge passkey)
    {
        var options = await PasskeyOptionsAsync(browser, secondFactor, "#passkey-second-factor");
        return await SubmitPasskeyAsync(browser, secondFactor, "#passkey-second-factor", passkey.Assert(options));
    }

    /// <summary>The credential in the page's form, posted as a browser does: with the page's Origin (Fetch 3.1).</summary>
    public static Task<Navigation> SubmitPasskeyAsync(Browser browser, Navigation page, string form, string credential,
        string? origin = null) =>
        browser.SubmitAsync(page, form, new Dictionary<string, string> { ["credential"] = credential },
            headers: origin is null ? OriginOf(page) : new Dictionary<string, string> { ["Origin"] = origin });

    // Identity checks clientData.origin against the request's Origin header (IdentityPasskeyOptions.ValidateOrigin unset).
    private static Dictionary<string, string> OriginOf(Navigation page) => new() { ["Origin"] = page.Url.GetLeftPart(UriPartial.Authority) };

    /// <summary>
    /// The options JSON the form's page gives passkeys.js: a POST of the form's fields (its antiforgery token) to the
    /// form's action with handler=PasskeyOptions.
    /// </summary>
    public static async Task<string> PasskeyOptionsAsync(Browser browser, Navigation page, string formSelector)
    {
        var form = page.Document?.QuerySelector<IHtmlFormElement>(formSelector)
            ?? throw new InvalidOperationException($"No form '{formSelector}' on {page.Url}: {page.Body}");
        var action = new Uri(page.Url, form.GetAttribute("action") ?? "");
        var query = QueryHelpers.ParseQuery(action.Query).ToDictionary(p => p.Key, p => (string?)p.Value.ToString());
        query["handler"] = "PasskeyOptions";
        var url = QueryHelpers.AddQueryString(action.GetLeftPart(UriPartial.Path), query);
        var fields = form.Elements.OfType<IHtmlInputElement>()
            .Where(input => !string.IsNullOrEmpty(input.Name))
            .Select(input => new KeyValuePair<string, string>(input.Name!, input.Value));
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Add("Origin", page.Url.GetLeftPart(UriPartial.Authority));
        var response = await browser.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Passkey options: {(int)response.StatusCode} {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return body;
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
