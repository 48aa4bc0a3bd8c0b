// A BENCHMARK PEER, NEVER A PRODUCT: the resource server's floor in bench/run.sh scenario 3 (issue 22). A bare ASP.NET
// Core minimal API with JwtBearer, serving what the suite measures of BoardApi: GET /posts/{id} with scope posts.read,
// the same row of the same database and the same JSON. It validates what BoardApi's OpenIddict validation does that
// costs: signature (keys from the issuer's JWKS via discovery), issuer, audience, lifetime, typ at+jwt, the algorithm
// list. Nothing else: no revocation check, DPoP, sub check, rate limits, CORS, problem details or telemetry. What
// BoardApi spends per request beyond this is what RedisJwt and its EF Core data layer add on top of the framework.
// Configuration (environment): Auth__Issuer, Auth__Audience (BoardApi's resource identifier), ConnectionStrings__BoardDb.
using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddOptions<BareBoardSettings>().BindConfiguration(BareBoardSettings.Section).ValidateDataAnnotations().ValidateOnStart();
var settings = builder.Configuration.GetSection(BareBoardSettings.Section).Get<BareBoardSettings>()
    ?? throw new InvalidOperationException("The Auth section (Auth__Issuer, Auth__Audience) is missing.");
var connectionString = builder.Configuration.GetConnectionString("BoardDb")
    ?? throw new InvalidOperationException("ConnectionStrings:BoardDb is required (an Npgsql connection string).");

// Plain Npgsql (one data source, a parameterized command per request), not EF Core: the cheapest honest way to read
// one row by key, so the floor is a floor.
builder.Services.AddSingleton(NpgsqlDataSource.Create(connectionString));

builder.Services.AddAuthentication().AddJwtBearer(options =>
{
    options.Authority = settings.Issuer!.AbsoluteUri;
    options.Audience = settings.Audience;
    // Plain HTTP only to an issuer on loopback, as the suite runs it.
    options.RequireHttpsMetadata = !settings.Issuer.IsLoopback;
    // Claims as the token names them (sub, scope), not mapped to the legacy WS-* URIs.
    options.MapInboundClaims = false;
    var parameters = options.TokenValidationParameters;
    // As OpenIddict's validation: an access token only (RFC 9068 2.1), the same algorithms and clock skew as BoardApi.
    parameters.ValidTypes = ["at+jwt", "application/at+jwt"];
    parameters.ValidAlgorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
    ];
    parameters.ClockSkew = TimeSpan.FromSeconds(30);
});
builder.Services.AddAuthorizationBuilder()
    .AddPolicy(BarePosts.ReadScope, policy => policy.RequireAuthenticatedUser()
        .RequireAssertion(context => BarePosts.HasScope(context.User, BarePosts.ReadScope)));
// For run.sh's readiness poll only.
builder.Services.AddHealthChecks();

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();
app.MapHealthChecks("/health/ready");
app.MapGet("/posts/{id:guid}", BarePosts.GetAsync).RequireAuthorization(BarePosts.ReadScope);
app.Run();

public sealed class BareBoardSettings
{
    public const string Section = "Auth";

    [Required] public Uri? Issuer { get; set; }
    [Required] public string Audience { get; set; } = "";
}

/// <summary>BoardApi's JSON for a post (PostResponse), field for field.</summary>
public sealed record BarePost(Guid Id, string Title, string Content, string AuthorId, string AuthorName,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, uint Version);

public static class BarePosts
{
    public const string ReadScope = "posts.read";

    // BoardApi's table (src/BoardApi/Data/BoardDbContext.cs); its version is PostgreSQL's xmin.
    private const string SelectById =
        "SELECT id, title, content, author_id, author_name, created_at, updated_at, xmin FROM posts WHERE id = $1";

    /// <summary>The scope claim is one space-separated string (RFC 9068 2.2.3.1), or one claim per scope.</summary>
    public static bool HasScope(ClaimsPrincipal user, string scope) =>
        user.FindAll("scope").Any(claim => claim.Value.Split(' ').Contains(scope));

    public static async Task<Results<Ok<BarePost>, NotFound>> GetAsync(Guid id, NpgsqlDataSource database,
        CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(SelectById);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return TypedResults.NotFound();
        }

        return TypedResults.Ok(new BarePost(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
            reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetFieldValue<DateTimeOffset>(6),
            reader.GetFieldValue<uint>(7)));
    }
}
