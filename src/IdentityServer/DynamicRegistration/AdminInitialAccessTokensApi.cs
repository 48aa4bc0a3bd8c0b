using Microsoft.AspNetCore.Http.HttpResults;
using RedisJwt.IdentityServer.Admin;
using RedisJwt.ServiceDefaults.Hosting;

namespace RedisJwt.IdentityServer.DynamicRegistration;

/// <summary>
/// Initial access tokens over HTTP, beside /admin/clients and under the same policy (an admin's bearer token). The
/// token appears once, in the answer that created it; errors are RFC 9457 problems naming each field.
/// </summary>
public static class AdminInitialAccessTokensApi
{
    public const string Prefix = AdminSetup.ApiPrefix + "/initial-access-tokens";

    private const long MaxBodyBytes = 16 * 1024;

    public static IEndpointRouteBuilder MapAdminInitialAccessTokens(this IEndpointRouteBuilder endpoints)
    {
        var tokens = endpoints.MapGroup(Prefix).RequireAuthorization(AdminSetup.TokenPolicy);
        tokens.MapGet("/", async (InitialAccessTokens store, CancellationToken cancellationToken) =>
            TypedResults.Ok(await store.ListAsync(cancellationToken)));
        tokens.MapPost("/", CreateAsync);
        tokens.MapDelete("/{id}", async Task<Results<NoContent, ProblemHttpResult>> (string id, InitialAccessTokens store,
            CancellationToken cancellationToken) =>
            await store.RevokeAsync(id, cancellationToken)
                ? TypedResults.NoContent()
                : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown initial access token",
                    detail: $"There is no initial access token \"{id}\"."));
        return endpoints;
    }

    private static async Task<Results<JsonBodyProblem, ValidationProblem, Created<InitialAccessTokenView>>> CreateAsync(HttpContext context,
        InitialAccessTokens store)
    {
        var (request, problem) = await JsonBody.ReadAsync<InitialAccessTokenRequest>(context.Request, MaxBodyBytes);
        if (request is null)
        {
            return problem!;
        }

        var (token, errors) = await store.CreateAsync(request, context.RequestAborted);
        if (token is null)
        {
            return TypedResults.ValidationProblem(errors!);
        }

        // It carries the token: no cache may keep it (as RFC 6749 5.1 asks of token responses).
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Created($"{Prefix}/{token.Id}", token);
    }
}
