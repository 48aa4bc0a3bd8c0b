using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Primitives;
using RedisJwt.IdentityServer.AuthApi;
using RedisJwt.IdentityServer.Connect;
using RedisJwt.Revocation.RateLimiting;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace RedisJwt.IdentityServer.RateLimits;

/// <summary>
/// Limits token requests before OpenIddict spends anything on them (a client secret or a password costs a PBKDF2
/// hash): per client, and for the password grant per account and IP like any sign-in. A refusal at the token
/// endpoint is an OAuth error (RFC 6749 5.2): 429 with Retry-After and <c>temporarily_unavailable</c>, the registry's
/// code for "cannot handle the request now"; at /auth/login and /auth/refresh it is problem details.
/// </summary>
public static class TokenRequestLimits
{
    /// <summary>After the /auth translation (which makes its requests token requests), before authentication.</summary>
    public static IApplicationBuilder UseTokenRequestLimits(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        if (!HttpMethods.IsPost(request.Method) || request.Path != "/" + OpenIddictSetup.TokenPath || !request.HasFormContentType)
        {
            await next(context);
            return;
        }

        IFormCollection form;
        try
        {
            // Buffered by ASP.NET Core: OpenIddict reads this same form afterwards.
            form = await request.ReadFormAsync(context.RequestAborted);
        }
        catch (Exception exception) when (exception is InvalidDataException or BadHttpRequestException)
        {
            await WriteOAuthErrorAsync(context, StatusCodes.Status400BadRequest, Errors.InvalidRequest, "The request body is not a valid form.");
            return;
        }

        if (await CheckAsync(context, form) is { } refused)
        {
            if (AuthTokenRequests.IsTranslated(context))
            {
                await RateLimitResults.Refused(refused).ExecuteAsync(context);
            }
            else
            {
                RateLimitResults.SetRetryAfter(context.Response, refused);
                await WriteOAuthErrorAsync(context,
                    refused.RedisUnavailable ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status429TooManyRequests,
                    Errors.TemporarilyUnavailable,
                    refused.RedisUnavailable
                        ? "Requests cannot be counted right now; retry shortly."
                        : $"Too many requests; retry in {refused.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture)} seconds.");
            }

            return;
        }

        await next(context);
    });

    private static async Task<RateLimitDecision?> CheckAsync(HttpContext context, IFormCollection form)
    {
        var services = context.RequestServices;
        if (ClientPartitionOf(context, form) is { } partition)
        {
            var decision = await services.GetRequiredService<DistributedRateLimiter>()
                .AcquireAsync(IdentityRateLimits.TokenRequestsPerClient, partition, context.RequestAborted);
            if (!decision.Allowed)
            {
                return decision;
            }
        }

        return form[Parameters.GrantType] == GrantTypes.Password
            ? await services.GetRequiredService<SignInLimits>().CheckSignInAsync(context, form[Parameters.Username].ToString())
            : null;
    }

    // A confidential client (it presents a secret) is one caller wherever it runs. A public client (a SPA, the
    // first-party app) is every one of its users, so it is counted per IP address too: one busy network must not
    // use up the allowance of all of them.
    private static string? ClientPartitionOf(HttpContext context, IFormCollection form)
    {
        var basic = BasicClientIdOf(context.Request);
        var clientId = basic ?? form[Parameters.ClientId].ToString();
        if (clientId.Length == 0)
        {
            return null;
        }

        return basic is not null || !StringValues.IsNullOrEmpty(form[Parameters.ClientSecret])
            ? clientId
            : $"{clientId}|{IdentityRateLimits.ClientIp(context)}";
    }

    // RFC 6749 2.3.1: the (form-urlencoded) user name of HTTP Basic authentication.
    private static string? BasicClientIdOf(HttpRequest request)
    {
        if (!AuthenticationHeaderValue.TryParse(request.Headers.Authorization, out var header)
            || !string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) || header.Parameter is null)
        {
            return null;
        }

        try
        {
            var credentials = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
            var separator = credentials.IndexOf(':', StringComparison.Ordinal);
            return separator > 0 ? Uri.UnescapeDataString(credentials[..separator]) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static Task WriteOAuthErrorAsync(HttpContext context, int status, string error, string description)
    {
        context.Response.StatusCode = status;
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";
        return context.Response.WriteAsJsonAsync(new Dictionary<string, string>
        {
            [Parameters.Error] = error,
            [Parameters.ErrorDescription] = description,
        });
    }
}
