using Microsoft.AspNetCore.Http.HttpResults;
using RedisJwt.IdentityServer.Admin;
using RedisJwt.IdentityServer.AuthApi;
using RedisJwt.ServiceDefaults.Hosting;

namespace RedisJwt.IdentityServer.Clients;

/// <summary>
/// Client administration over HTTP, for a bearer token with the admin scope (see <see cref="CurrentAdminHandler"/>).
/// Bodies use RFC 7591's field names; a secret appears in an answer only when it was just made.
/// </summary>
public static class AdminClientsApi
{
    private const long MaxBodyBytes = 64 * 1024;
    private const string Prefix = AdminSetup.ApiPrefix + "/clients";

    public static IEndpointRouteBuilder MapAdminClients(this IEndpointRouteBuilder endpoints)
    {
        var clients = endpoints.MapGroup(Prefix).RequireAuthorization(AdminSetup.TokenPolicy);
        clients.MapGet("/", async (ClientRegistry registry, CancellationToken cancellationToken) =>
            TypedResults.Ok(await registry.ListAsync(cancellationToken)));
        clients.MapGet("/{clientId}", async Task<Results<Ok<ClientView>, ProblemHttpResult>> (string clientId, ClientRegistry registry,
            CancellationToken cancellationToken) =>
            await registry.GetAsync(clientId, cancellationToken) is { } client ? TypedResults.Ok(client) : NotFound($"There is no client \"{clientId}\"."));
        clients.MapPost("/", CreateAsync);
        clients.MapPut("/{clientId}", UpdateAsync);
        clients.MapDelete("/{clientId}", async (string clientId, ClientRegistry registry, CancellationToken cancellationToken) =>
            Answer(await registry.RemoveAsync(clientId, cancellationToken), _ => TypedResults.NoContent()));
        clients.MapPost("/{clientId}/secret", async (string clientId, HttpContext context, ClientRegistry registry) =>
            Answer(await registry.RotateSecretAsync(clientId, context.RequestAborted), client => WithSecret(context, TypedResults.Ok(client))));
        return endpoints;
    }

    private static async Task<Results<JsonBodyProblem, Results<Created<ClientView>, ValidationProblem, ProblemHttpResult, Unavailable.RetryAfterProblem>>> CreateAsync(HttpContext context, ClientRegistry registry)
    {
        var (registration, problem) = await JsonBody.ReadAsync<ClientRegistration>(context.Request, MaxBodyBytes);
        if (registration is null)
        {
            return problem!;
        }

        return Answer(await registry.CreateAsync(registration, context.RequestAborted), client =>
            WithSecret(context, TypedResults.Created($"{Prefix}/{Uri.EscapeDataString(client.ClientId)}", client)));
    }

    private static async Task<Results<JsonBodyProblem, Results<Ok<ClientView>, ValidationProblem, ProblemHttpResult, Unavailable.RetryAfterProblem>>> UpdateAsync(string clientId, HttpContext context, ClientRegistry registry)
    {
        var (registration, problem) = await JsonBody.ReadAsync<ClientRegistration>(context.Request, MaxBodyBytes);
        if (registration is null)
        {
            return problem!;
        }

        return Answer(await registry.UpdateAsync(clientId, registration, context.RequestAborted), client => TypedResults.Ok(client));
    }

    private static Results<TDone, ValidationProblem, ProblemHttpResult, Unavailable.RetryAfterProblem> Answer<TDone>(ClientResult result,
        Func<ClientView, TDone> done) where TDone : IResult => result.Outcome switch
    {
        ClientOutcome.Done => done(result.Client!),
        ClientOutcome.Invalid => Invalid(result.Errors!),
        ClientOutcome.NotFound => NotFound(result.Detail),
        ClientOutcome.Duplicate => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "client_id taken", detail: result.Detail),
        ClientOutcome.ManagedByConfiguration => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
            title: "Managed by configuration", detail: result.Detail),
        ClientOutcome.Conflict => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Changed meanwhile", detail: result.Detail),
        _ => Unavailable.Problem(result.Detail ?? "Retry shortly."),
    };

    /// <summary>A 400 naming each bad field, with RFC 7591's error code as the <c>error</c> extension.</summary>
    private static ValidationProblem Invalid(IReadOnlyDictionary<string, string[]> errors)
    {
        var problem = JsonFields.Problem(typeof(ClientRegistration), errors);
        problem.ProblemDetails.Extensions["error"] =
            errors.ContainsKey(nameof(ClientRegistration.RedirectUris)) || errors.ContainsKey(nameof(ClientRegistration.PostLogoutRedirectUris))
                ? "invalid_redirect_uri"
                : "invalid_client_metadata";
        return problem;
    }

    // An answer carrying a secret must not be kept by any cache (as RFC 6749 5.1 asks of token responses).
    private static TResult WithSecret<TResult>(HttpContext context, TResult result) where TResult : IResult
    {
        context.Response.Headers.CacheControl = "no-store";
        return result;
    }

    private static ProblemHttpResult NotFound(string? detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown client", detail: detail);
}
