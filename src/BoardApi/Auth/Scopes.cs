using Microsoft.AspNetCore.Authorization;
using OpenIddict.Abstractions;

namespace RedisJwt.BoardApi.Auth;

/// <summary>The scopes the IdentityServer grants for this API; each is also the name of the policy requiring it.</summary>
public static class Scopes
{
    public const string PostsRead = "posts.read";
    public const string PostsWrite = "posts.write";
}

public sealed record ScopeRequirement(string Scope) : IAuthorizationRequirement;

public sealed class ScopeRequirementHandler : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        if (context.User.HasScope(requirement.Scope))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
