using Microsoft.AspNetCore.Mvc;

namespace RedisJwt.IdentityServer.Account.SignIn;

public static class SafeReturnUrl
{
    /// <summary>Only local paths: a return URL pointing elsewhere would make the login page an open redirector.</summary>
    public static string From(IUrlHelper url, string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && url.IsLocalUrl(returnUrl) ? returnUrl : "/";
}
