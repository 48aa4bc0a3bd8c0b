using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.MultiFactor;
using RedisJwt.IdentityServer.Sessions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.Admin;

public sealed class CurrentAdminRequirement : IAuthorizationRequirement;

/// <summary>
/// Who is an admin, for every admin endpoint (the /admin/clients API with an admin-scoped token, and the
/// cookie-authenticated /admin/users actions): a user who holds the admin role now (read from Identity on every
/// request: a role taken away counts at once, whatever the token's or the cookie's role claim says), or a machine
/// client acting for itself (client_credentials: sub is its client_id), which got the scope only because it is
/// permitted it. When the admin role is one that must use a second factor (MultiFactor:RequiredRoles), the user's
/// sign-in must have been a multi-factor one, by cookie or by token.
/// </summary>
public sealed class CurrentAdminHandler(UserManager<ApplicationUser> users, SecondFactors factors) : AuthorizationHandler<CurrentAdminRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, CurrentAdminRequirement requirement)
    {
        // A token names the user by sub, the Identity cookie by its name identifier.
        if ((context.User.GetClaim(Claims.Subject) ?? context.User.FindFirst(ClaimTypes.NameIdentifier)?.Value) is not { } subject)
        {
            return;
        }

        // A client_id is never GUID-shaped and a user id always is, so no user's token can pass for a client's.
        if (subject == context.User.GetClaim(Claims.ClientId))
        {
            context.Succeed(requirement);
            return;
        }

        if (await users.FindByIdAsync(subject) is { } user && await users.IsInRoleAsync(user, AdminSetup.AdminRole)
            && await SignedInStronglyEnoughAsync(context.User, user))
        {
            context.Succeed(requirement);
        }
    }

    private async Task<bool> SignedInStronglyEnoughAsync(ClaimsPrincipal principal, ApplicationUser user) =>
        !await factors.RoleRequiresAsync(user)
        || (principal.Identity?.AuthenticationType == IdentityConstants.ApplicationScheme
            // The Identity cookie carries the sign-in itself, checked as it stands now; an access token says how its
            // sign-in went, in acr.
            ? (await factors.CurrentAsync(user, SignInFacts.Of(principal))).Level == SignInMethods.MultiFactor
            : principal.GetClaim(Claims.AuthenticationContextReference) == SignInMethods.MultiFactor);
}
