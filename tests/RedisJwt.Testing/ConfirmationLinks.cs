namespace RedisJwt.Testing;

/// <summary>An emailed confirmation link opened, then confirmed with the account's password (or as its signed-in user).</summary>
public static class ConfirmationLinks
{
    public static async Task<Navigation> ConfirmAsync(Browser browser, string pathAndQuery, string? password)
    {
        var page = await browser.NavigateAsync(pathAndQuery);
        return await browser.SubmitAsync(page, "#confirm-form",
            password is null ? null : new Dictionary<string, string> { ["Password"] = password });
    }
}
