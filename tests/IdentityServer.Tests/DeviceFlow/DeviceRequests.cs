using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests.DeviceFlow;

/// <summary>The device's requests (RFC 8628 3.1, 3.4) and the user's steps on the verification page.</summary>
internal static class DeviceRequests
{
    public const string DeviceCodeGrant = "urn:ietf:params:oauth:grant-type:device_code";

    /// <summary>A public device client: device_code and refresh_token, posts.read.</summary>
    public const string DeviceClientId = "device-test";

    /// <summary>The same, registered with require_mfa.</summary>
    public const string MfaDeviceClientId = "device-test-mfa";

    public static Dictionary<string, string?> DeviceClients => new()
    {
        [$"Seed:Clients:{DeviceClientId}:Type"] = "public",
        [$"Seed:Clients:{DeviceClientId}:DisplayName"] = "Device Test App",
        [$"Seed:Clients:{DeviceClientId}:GrantTypes:0"] = DeviceCodeGrant,
        [$"Seed:Clients:{DeviceClientId}:GrantTypes:1"] = "refresh_token",
        [$"Seed:Clients:{DeviceClientId}:Scopes:0"] = "openid",
        [$"Seed:Clients:{DeviceClientId}:Scopes:1"] = "offline_access",
        [$"Seed:Clients:{DeviceClientId}:Scopes:2"] = "posts.read",
        [$"Seed:Clients:{MfaDeviceClientId}:Type"] = "public",
        [$"Seed:Clients:{MfaDeviceClientId}:GrantTypes:0"] = DeviceCodeGrant,
        [$"Seed:Clients:{MfaDeviceClientId}:Scopes:0"] = "openid",
        [$"Seed:Clients:{MfaDeviceClientId}:RequireMfa"] = "true",
    };

    public static Task<TokenResponse> AuthorizeDeviceAsync(HttpClient client, string clientId = DeviceClientId,
        string scope = "openid offline_access posts.read", (string Id, string Secret)? basic = null)
    {
        var form = new Dictionary<string, string> { ["scope"] = scope };
        if (basic is null)
        {
            form["client_id"] = clientId;
        }

        return OAuth.PostAsync(client, "/connect/device", form, basic);
    }

    public static Task<TokenResponse> PollAsync(HttpClient client, string deviceCode, string clientId = DeviceClientId) =>
        OAuth.PostAsync(client, "/connect/token", new Dictionary<string, string>
        {
            ["grant_type"] = DeviceCodeGrant,
            ["device_code"] = deviceCode,
            ["client_id"] = clientId,
        });

    /// <summary>Types <paramref name="userCode"/> on the verification page; returns the page it leads to.</summary>
    public static async Task<Navigation> EnterCodeAsync(Browser browser, string userCode)
    {
        var entry = await browser.NavigateAsync("/connect/verify");
        return await browser.SubmitAsync(entry, "#device-code-form", new Dictionary<string, string> { ["user_code"] = userCode });
    }

    /// <summary>"accept" or "deny" on the page asking for the decision.</summary>
    public static Task<Navigation> DecideAsync(Browser browser, Navigation consent, string decision)
    {
        Assert.True(consent.Document?.QuerySelector("#device-decision") is not null, $"No decision asked at {consent.Url}: {consent.Body}");
        return browser.SubmitAsync(consent, "#device-decision", submitter: ("consent_decision", decision));
    }

    public static void AssertWrongCode(Navigation page) =>
        Assert.True(page.Document?.QuerySelector("#device-error")?.TextContent == global::RedisJwt.IdentityServer.DeviceFlow.VerifyModel.WrongCodeMessage,
            $"{(int)page.Response.StatusCode} at {page.Url}: {page.Body}");

    /// <summary>A signed-in browser types the code and approves it.</summary>
    public static async Task ApproveAsync(Browser browser, string userCode)
    {
        var done = await DecideAsync(browser, await EnterCodeAsync(browser, userCode), "accept");
        Assert.True(done.Document?.QuerySelector("#device-approved") is not null, $"Not approved at {done.Url}: {done.Body}");
    }
}
