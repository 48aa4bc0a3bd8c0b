using RedisJwt.IdentityServer.RateLimits;
using RedisJwt.ServiceDefaults.Hosting;
using RedisJwt.ServiceDefaults.RateLimiting;

namespace RedisJwt.IdentityServer.DynamicRegistration;

/// <summary>
/// POST /connect/register (RFC 7591 3) and the client configuration endpoint /connect/register/{client_id} (RFC 7592 2),
/// rate limited per client IP address. Errors are RFC 7591 3.2.2's JSON, and RFC 6750 3's for a bad bearer token.
/// </summary>
public static class DynamicRegistrationEndpoints
{
    private const long MaxBodyBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapDynamicRegistration(this IEndpointRouteBuilder endpoints)
    {
        var register = endpoints.MapGroup(DynamicRegistrations.RegisterPath)
            .RequireRateLimit(IdentityRateLimits.ClientRegistrationsPerIp, IdentityRateLimits.ClientIp)
            .DisableAntiforgery();
        register.MapPost("", async (HttpContext context, DynamicRegistrations registrations) =>
            Answer(context, await registrations.RegisterAsync(BearerToken(context), await ReadAsync(context), context.RequestAborted),
                StatusCodes.Status201Created));
        register.MapGet("/{clientId}", async (string clientId, HttpContext context, DynamicRegistrations registrations) =>
            Answer(context, await registrations.ReadAsync(clientId, BearerToken(context), context.RequestAborted)));
        register.MapPut("/{clientId}", async (string clientId, HttpContext context, DynamicRegistrations registrations) =>
            Answer(context, await registrations.UpdateAsync(clientId, BearerToken(context), await ReadAsync(context), context.RequestAborted)));
        register.MapDelete("/{clientId}", async (string clientId, HttpContext context, DynamicRegistrations registrations) =>
            Answer(context, await registrations.DeleteAsync(clientId, BearerToken(context), context.RequestAborted), StatusCodes.Status204NoContent));
        return endpoints;
    }

    private static async Task<ClientMetadata?> ReadAsync(HttpContext context) =>
        (await JsonBody.ReadAsync<ClientMetadata>(context.Request, MaxBodyBytes)).Value;

    /// <summary>The bearer token (RFC 6750 2.1); "" for an Authorization header of another form, so it counts as a bad token.</summary>
    private static string? BearerToken(HttpContext context)
    {
        var headers = context.Request.Headers.Authorization;
        if (headers.Count == 0)
        {
            return null;
        }

        var value = headers.Count == 1 ? headers[0] ?? "" : "";
        return value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? value[7..].Trim() : "";
    }

    private static IResult Answer(HttpContext context, RegistrationResult result, int doneStatus = StatusCodes.Status200OK)
    {
        NoStore(context);
        return result.Outcome switch
        {
            RegistrationOutcome.Done when result.Client is null => TypedResults.StatusCode(doneStatus),
            RegistrationOutcome.Done => TypedResults.Json(result.Client, statusCode: doneStatus),
            RegistrationOutcome.Unauthorized => Challenge(context, result.Description!),
            RegistrationOutcome.Invalid => Error(context, StatusCodes.Status400BadRequest, result.Error!, result.Description!),
            _ => RetryLater(context, result.Description!),
        };
    }

    private static IResult RetryLater(HttpContext context, string description)
    {
        context.Response.Headers.RetryAfter = "5";
        return Error(context, StatusCodes.Status503ServiceUnavailable, "temporarily_unavailable", description);
    }

    // RFC 6750 3: no error code when no token was presented (3.1), invalid_token when a bad one was.
    private static IResult Challenge(HttpContext context, string description)
    {
        context.Response.Headers.WWWAuthenticate = context.Request.Headers.Authorization.Count == 0
            ? "Bearer"
            : $"Bearer error=\"invalid_token\", error_description=\"{description}\"";
        return Error(context, StatusCodes.Status401Unauthorized, "invalid_token", description);
    }

    private static IResult Error(HttpContext context, int status, string error, string description)
    {
        NoStore(context);
        return TypedResults.Json(new Dictionary<string, string> { ["error"] = error, ["error_description"] = description }, statusCode: status);
    }

    // Answers carry secrets and tokens (RFC 7591 3.2.1 refers to RFC 6749 5.1's no-store).
    private static void NoStore(HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";
    }
}
