using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Mvc;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.AuthApi;

/// <summary>
/// A token error for /auth/login or /auth/refresh is written as RFC 9457 problem details, like the rest of the /auth
/// API, keeping OpenIddict's status and carrying the OAuth error code as <c>error</c>.
/// </summary>
public sealed class AuthErrorsAsProblems : IOpenIddictServerHandler<ApplyTokenResponseContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyTokenResponseContext>()
            .UseSingletonHandler<AuthErrorsAsProblems>()
            // After the status code (and our 503 for temporarily_unavailable) is set, before the JSON is written.
            .SetOrder(OpenIddictServerAspNetCoreHandlers.ProcessJsonResponse<ApplyTokenResponseContext>.Descriptor.Order - 1)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ApplyTokenResponseContext context)
    {
        if (context.Error is not { } error || context.Transaction.GetHttpRequest()?.HttpContext is not { } http
            || !AuthTokenRequests.IsTranslated(http))
        {
            return;
        }

        var problem = new ProblemDetails
        {
            Status = http.Response.StatusCode,
            Title = error == OpenIddictConstants.Errors.InvalidGrant ? "Sign-in refused" : "Token request refused",
            Detail = context.Response.ErrorDescription,
            Type = "https://www.rfc-editor.org/rfc/rfc6749#section-5.2",
        };
        problem.Extensions["error"] = error;

        await http.RequestServices.GetRequiredService<IProblemDetailsService>()
            .WriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem });
        context.HandleRequest();
    }
}

/// <summary>
/// /auth/login and /auth/refresh always name the granted scopes: their caller never sent a scope parameter, so
/// OpenIddict's "omitted when identical to the request" (RFC 6749 5.1) would leave it guessing.
/// </summary>
public sealed class AuthResponsesNameScopes : IOpenIddictServerHandler<ProcessSignInContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessSignInContext>()
            .UseSingletonHandler<AuthResponsesNameScopes>()
            .SetOrder(OpenIddictServerHandlers.AttachSignInParameters.Descriptor.Order + 1)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ProcessSignInContext context)
    {
        if (context.IncludeAccessToken && context.AccessTokenPrincipal is { } principal
            && context.Transaction.GetHttpRequest()?.HttpContext is { } http && AuthTokenRequests.IsTranslated(http))
        {
            context.Response.Scope = string.Join(' ', principal.GetScopes());
        }

        return default;
    }
}
