using OpenIddict.Abstractions;
using RedisJwt.IdentityServer.Clients;
using RedisJwt.IdentityServer.Data;

namespace RedisJwt.IdentityServer.MultiFactor;

/// <summary>
/// When tokens need a multi-factor sign-in: the request asks for it (<c>acr_values=mfa</c>, OIDC Core 3.1.2.1), the
/// client is registered with require_mfa, or the user's role requires it (MultiFactor:RequiredRoles). The
/// authorization endpoint takes the user through the second factor (or enrolment) then; the token endpoint refuses a
/// refresh whose sign-in no longer reaches it.
/// </summary>
public sealed class MultiFactorRequirement(IOpenIddictApplicationManager applications, SecondFactors factors)
{
    /// <summary>Added by "cancel" on the second-factor and enrolment pages: the client gets an error instead.</summary>
    public const string DeclinedParameter = "redisjwt_mfa_declined";

    private const string AuthorizationPath = "/" + Connect.OpenIddictSetup.AuthorizationPath;

    /// <param name="request">The authorization request; null for a refresh, which has no acr_values of its own.</param>
    public async Task<bool> AppliesAsync(OpenIddictRequest? request, object application, ApplicationUser user) =>
        (request is not null && PreferredLevel(request) == SignInMethods.MultiFactor)
        || await ClientProperties.RequiresMfaAsync(applications, application)
        || await factors.RoleRequiresAsync(user);

    // acr_values lists the levels in order of preference (OIDC Core 3.1.2.1): the first one this server knows counts.
    private static string? PreferredLevel(OpenIddictRequest request) =>
        request.GetAcrValues().FirstOrDefault(SignInMethods.Levels.Contains);

    /// <summary>
    /// Back to an authorization request, marked as declined; null for any other return URL. The mark needs no
    /// protection: all it can do is make the request fail.
    /// </summary>
    public static string? DeclineUrl(HttpRequest request, string returnUrl) =>
        returnUrl.StartsWith(request.PathBase + AuthorizationPath + "?", StringComparison.Ordinal)
            ? $"{returnUrl}&{DeclinedParameter}=1"
            : null;
}
