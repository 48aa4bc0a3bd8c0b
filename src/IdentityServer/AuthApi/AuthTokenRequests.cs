using System.ComponentModel.DataAnnotations;
using System.Text;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using RedisJwt.IdentityServer.Connect;
using RedisJwt.ServiceDefaults.Hosting;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.AuthApi;

/// <summary>
/// POST /auth/login and /auth/refresh are the token endpoint in JSON clothes: each is rewritten into the
/// form-encoded token request it stands for (the password or refresh_token grant of <c>AuthApi:ClientId</c>) before
/// OpenIddict sees it, so the tokens are exactly those /connect/token issues, with the same checks (client
/// permissions, refresh-token rotation and reuse detection, sessions). Their errors come back as problem details
/// (<see cref="AuthErrorsAsProblems"/>).
/// </summary>
public static class AuthTokenRequests
{
    public const string LoginPath = AuthEndpoints.Prefix + "/login";
    public const string RefreshPath = AuthEndpoints.Prefix + "/refresh";

    private const long MaxBodyBytes = 16 * 1024;

    public sealed class LoginRequest
    {
        // As on the login page: nothing longer is a registered email or a valid password.
        [Required, StringLength(256)]
        public string? Email { get; set; }

        [Required, StringLength(256)]
        public string? Password { get; set; }

        /// <summary>Optional: the one API the access token is for (RFC 8707), e.g. the account API, {issuer}auth.</summary>
        [StringLength(2048)]
        public string? Resource { get; set; }
    }

    public sealed class RefreshRequest
    {
        [Required, JsonPropertyName("refresh_token")]
        public string? RefreshToken { get; set; }

        /// <summary>Optional: the one API of the grant the new access token is for; the refresh token keeps them all.</summary>
        [StringLength(2048)]
        public string? Resource { get; set; }
    }

    /// <summary>Marks, on the request's features, a token request that came in as /auth/login or /auth/refresh.</summary>
    private sealed record TranslatedTokenRequestFeature(PathString OriginalPath);

    /// <summary>Whether this request came in as /auth/login or /auth/refresh.</summary>
    public static bool IsTranslated(HttpContext context) => context.Features.Get<TranslatedTokenRequestFeature>() is not null;

    /// <summary>The path the client posted to: /auth/login or /auth/refresh for a translated request (what a DPoP
    /// proof's htu names, RFC 9449 4.2), else the request's own.</summary>
    public static PathString AddressedPath(HttpContext context) =>
        context.Features.Get<TranslatedTokenRequestFeature>()?.OriginalPath ?? context.Request.Path;

    /// <summary>Before routing and authentication, which must see the rewritten request.</summary>
    public static IApplicationBuilder UseAuthTokenRequests(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        if (!HttpMethods.IsPost(request.Method) || !(request.Path == LoginPath || request.Path == RefreshPath))
        {
            await next(context);
            return;
        }

        if (context.RequestServices.GetRequiredService<IOptions<AuthApiSettings>>().Value.ClientId is not { Length: > 0 } clientId)
        {
            await TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not enabled",
                detail: "Sign-in through /auth is not enabled on this server (AuthApi:ClientId).").ExecuteAsync(context);
            return;
        }

        var (parameters, problem) = request.Path == LoginPath
            ? await LoginParametersAsync(context, clientId)
            : await RefreshParametersAsync(request, clientId);
        if (problem is not null)
        {
            await problem.ExecuteAsync(context);
            return;
        }

        var form = Encoding.UTF8.GetBytes(string.Join('&', parameters!.Select(parameter =>
            $"{Uri.EscapeDataString(parameter.Key)}={Uri.EscapeDataString(parameter.Value)}")));
        request.Body = new MemoryStream(form);
        request.ContentLength = form.Length;
        request.ContentType = "application/x-www-form-urlencoded";
        // The client is named in the form; credentials in a header would make OpenIddict see two.
        request.Headers.Authorization = default;
        context.Features.Set(new TranslatedTokenRequestFeature(request.Path));
        request.Path = "/" + OpenIddictSetup.TokenPath;
        await next(context);
    });

    private static async Task<(Dictionary<string, string>?, IResult?)> LoginParametersAsync(HttpContext context, string clientId)
    {
        var (login, problem) = await JsonBody.ReadAsync<LoginRequest>(context.Request, MaxBodyBytes);
        if (login is null)
        {
            return (null, problem);
        }

        if (JsonFields.Validate(login) is { } invalid)
        {
            return (null, invalid);
        }

        return (WithResource(new()
        {
            [Parameters.GrantType] = GrantTypes.Password,
            [Parameters.ClientId] = clientId,
            [Parameters.Username] = login.Email!,
            [Parameters.Password] = login.Password!,
            [Parameters.Scope] = string.Join(' ', await ScopesOfAsync(context, clientId)),
        }, login.Resource), null);
    }

    private static async Task<(Dictionary<string, string>?, IResult?)> RefreshParametersAsync(HttpRequest request, string clientId)
    {
        var (refresh, problem) = await JsonBody.ReadAsync<RefreshRequest>(request, MaxBodyBytes);
        if (refresh is null)
        {
            return (null, problem);
        }

        if (JsonFields.Validate(refresh) is { } invalid)
        {
            return (null, invalid);
        }

        return (WithResource(new()
        {
            [Parameters.GrantType] = GrantTypes.RefreshToken,
            [Parameters.ClientId] = clientId,
            [Parameters.RefreshToken] = refresh.RefreshToken!,
        }, refresh.Resource), null);
    }

    // Passed on as is: the token endpoint judges it like any resource parameter.
    private static Dictionary<string, string> WithResource(Dictionary<string, string> parameters, string? resource)
    {
        if (resource is not null)
        {
            parameters[Parameters.Resource] = resource;
        }

        return parameters;
    }

    // Everything the first-party app is allowed: sign-in (openid), a refresh token if it may refresh, its scopes.
    private static async Task<IEnumerable<string>> ScopesOfAsync(HttpContext context, string clientId)
    {
        var applications = context.RequestServices.GetRequiredService<IOpenIddictApplicationManager>();
        if (await applications.FindByClientIdAsync(clientId, context.RequestAborted) is not { } application)
        {
            return [Scopes.OpenId];
        }

        var permissions = await applications.GetPermissionsAsync(application, context.RequestAborted);
        return [
            Scopes.OpenId,
            .. permissions.Contains(Permissions.GrantTypes.RefreshToken) ? [Scopes.OfflineAccess] : Array.Empty<string>(),
            .. permissions.Where(permission => permission.StartsWith(Permissions.Prefixes.Scope, StringComparison.Ordinal))
                .Select(permission => permission[Permissions.Prefixes.Scope.Length..]),
        ];
    }
}
