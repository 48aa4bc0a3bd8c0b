using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using RedisJwt.IdentityServer.Data;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.Connect;

/// <summary>OIDC Core 5.3: the claims the access token's scopes grant, read fresh from the user store.</summary>
public static class UserInfoEndpoint
{
    public static async Task<IResult> HandleAsync(HttpContext context, UserManager<ApplicationUser> users)
    {
        var token = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        var user = token.Principal?.GetClaim(Claims.Subject) is { } subject ? await users.FindByIdAsync(subject) : null;
        if (user is null)
        {
            return TypedResults.Challenge(
                OAuthErrors.Properties(Errors.InvalidToken, "The access token is no longer valid."),
                [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }

        var principal = token.Principal!;
        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            [Claims.Subject] = await users.GetUserIdAsync(user),
        };

        if (principal.HasScope(Scopes.Profile))
        {
            claims[Claims.Name] = user.DisplayName;
            if (user.BirthDate is { } birthDate)
            {
                claims[Claims.Birthdate] = birthDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        if (principal.HasScope(Scopes.Email))
        {
            claims[Claims.Email] = (await users.GetEmailAsync(user))!;
            claims[Claims.EmailVerified] = await users.IsEmailConfirmedAsync(user);
        }

        if (principal.HasScope(Scopes.Roles))
        {
            claims[Claims.Role] = await users.GetRolesAsync(user);
        }

        return TypedResults.Ok(claims);
    }
}
