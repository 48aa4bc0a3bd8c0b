using Microsoft.AspNetCore;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.AspNetCore.OpenIddictServerAspNetCoreHandlers.Authentication;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace RedisJwt.IdentityServer.Operations;

/// <summary>
/// OpenIddict answers an authorization request with response_mode=form_post by a page that submits itself with an
/// inline script, which the pages' CSP forbids. That response alone gets a policy allowing exactly that script.
/// </summary>
public sealed class AllowFormPostScript : IOpenIddictServerHandler<ApplyAuthorizationResponseContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyAuthorizationResponseContext>()
            .UseSingletonHandler<AllowFormPostScript>()
            .SetOrder(ProcessFormPostResponse.Descriptor.Order - 1)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ApplyAuthorizationResponseContext context)
    {
        // The same conditions under which ProcessFormPostResponse writes the page.
        if (!string.IsNullOrEmpty(context.RedirectUri) && context.ResponseMode == ResponseModes.FormPost
            && context.Transaction.GetHttpRequest() is { } request)
        {
            request.HttpContext.Response.Headers.ContentSecurityPolicy = SecurityHeaders.FormPostContentSecurityPolicy;
        }

        return default;
    }
}
