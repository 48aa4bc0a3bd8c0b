using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using RedisJwt.BoardApi.Auth;
using RedisJwt.BoardApi.Data;
using RedisJwt.BoardApi.RateLimits;
using RedisJwt.ServiceDefaults.Caching;
using RedisJwt.ServiceDefaults.Hosting;
using RedisJwt.ServiceDefaults.RateLimiting;

namespace RedisJwt.BoardApi.Posts;

public static class PostsApi
{
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;

    // A full post is at most ~80 KB of UTF-8; anything far larger is refused before it is read.
    private const long MaxBodyBytes = 256 * 1024;

    public static IHostApplicationBuilder AddPosts(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PostsOptions>().BindConfiguration(PostsOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<PostListCache>();

        builder.AddRedisHybridCache(keys => keys.BoardCacheInstance);
        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }

    public static IEndpointRouteBuilder MapPosts(this IEndpointRouteBuilder endpoints)
    {
        // Called from browser apps on the configured origins (Cors:AllowedOrigins), with a bearer token.
        var posts = endpoints.MapGroup("/posts").RequireCors(ServiceCors.ConfiguredOrigins);
        var reads = posts.MapGroup("").RequireAuthorization(Scopes.PostsRead)
            .RequireRateLimit(BoardRateLimits.Reads, BoardRateLimits.ByCaller);
        reads.MapGet("/", ListAsync);
        reads.MapGet("/{id:guid}", GetAsync);

        var writes = posts.MapGroup("").RequireAuthorization(Scopes.PostsWrite)
            .RequireRateLimit(BoardRateLimits.Writes, BoardRateLimits.ByCaller)
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes));
        writes.MapPost("/", CreateAsync);
        writes.MapPut("/{id:guid}", UpdateAsync);
        writes.MapDelete("/{id:guid}", DeleteAsync);
        return endpoints;
    }

    private static async Task<Results<Ok<PostPage>, ValidationProblem>> ListAsync(string? author, string? cursor, string? limit,
        IServiceScopeFactory scopes, PostListCache cache, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var pageSize = DefaultPageSize;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > MaxPageSize))
        {
            errors["limit"] = [$"Must be a whole number from 1 to {MaxPageSize}."];
        }

        PostCursor? after = null;
        if (cursor is not null && !PostCursor.TryParse(cursor, out after))
        {
            errors["cursor"] = ["Not a cursor returned by this API (use nextCursor from the previous page)."];
        }

        // No author id has control characters; HybridCache would log each such cache key as an error.
        if (author is not null && (author.Length is 0 or > Post.AuthorIdMaxLength || author.Any(char.IsControl)))
        {
            errors["author"] = [$"Must be an author id of 1 to {Post.AuthorIdMaxLength} characters, without control characters."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        // The loader may serve several waiting requests at once, so it must not borrow this request's DbContext,
        // which is disposed if this client goes away first.
        var page = await cache.GetOrLoadAsync(author, after, pageSize, async token =>
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<BoardDbContext>();
            return await LoadPageAsync(db, author, after, pageSize, token);
        }, cancellationToken);
        return TypedResults.Ok(page);
    }

    private static async ValueTask<PostPage> LoadPageAsync(BoardDbContext db, string? author, PostCursor? after, int pageSize,
        CancellationToken cancellationToken)
    {
        var query = db.Posts.AsNoTracking();
        if (author is not null)
        {
            query = query.Where(post => post.AuthorId == author);
        }

        if (after is { } start)
        {
            // A row-value comparison, (created_at, id) < (@c, @id): answered from the (created, id) indexes.
            query = query.Where(post => EF.Functions.LessThan(
                ValueTuple.Create(post.CreatedAt, post.Id), ValueTuple.Create(start.CreatedAt, start.Id)));
        }

        // One extra row tells whether there is a next page.
        var posts = await query.OrderByDescending(post => post.CreatedAt).ThenByDescending(post => post.Id)
            .Take(pageSize + 1).ToListAsync(cancellationToken);
        var items = posts.Take(pageSize).Select(PostResponse.From).ToList();
        var next = posts.Count > pageSize ? new PostCursor(items[^1].CreatedAt, items[^1].Id).ToString() : null;
        return new PostPage(items, next);
    }

    private static async Task<Results<Ok<PostResponse>, ProblemHttpResult>> GetAsync(Guid id, BoardDbContext db,
        CancellationToken cancellationToken) =>
        await db.Posts.AsNoTracking().FirstOrDefaultAsync(post => post.Id == id, cancellationToken) is { } post
            ? TypedResults.Ok(PostResponse.From(post))
            : NotFound(id);

    private static async Task<Results<Created<PostResponse>, Results<JsonBodyProblem, ValidationProblem>, Unavailable.RetryAfterProblem>> CreateAsync(HttpRequest request, ClaimsPrincipal user, BoardDbContext db,
        PostListCache cache, TimeProvider clock)
    {
        var (input, problem) = await ReadInputAsync(request, requireVersion: false);
        if (problem is not null)
        {
            return problem;
        }

        var caller = Caller.From(user);
        var now = Now(clock);
        var post = new Post
        {
            Id = Guid.CreateVersion7(now),
            Title = input!.Title!,
            Content = input.Content!,
            AuthorId = caller.Id,
            AuthorName = caller.DisplayName,
            CreatedAt = now,
            UpdatedAt = now,
        };
        if (!await cache.InvalidateAsync())
        {
            return CacheUnavailable();
        }

        db.Posts.Add(post);
        await db.SaveChangesAsync();
        await cache.InvalidateAsync();
        return TypedResults.Created($"/posts/{post.Id}", PostResponse.From(post));
    }

    private static async Task<Results<Ok<PostResponse>, Results<JsonBodyProblem, ValidationProblem>, ProblemHttpResult, Unavailable.RetryAfterProblem>> UpdateAsync(Guid id, HttpRequest request, ClaimsPrincipal user, BoardDbContext db,
        PostListCache cache, TimeProvider clock)
    {
        var (input, problem) = await ReadInputAsync(request, requireVersion: true);
        if (problem is not null)
        {
            return problem;
        }

        var post = await db.Posts.FindAsync(id);
        if (post is null)
        {
            return NotFound(id);
        }

        var caller = Caller.From(user);
        if (post.AuthorId != caller.Id)
        {
            return Forbidden("Only the author can edit a post.");
        }

        // The UPDATE is conditional on the version the client read (xmin), so a concurrent edit, even one committed
        // between this read and the write, makes it touch no row instead of overwriting.
        db.Entry(post).Property(stored => stored.Version).OriginalValue = input!.Version!.Value;
        post.Title = input.Title!;
        post.Content = input.Content!;
        post.AuthorName = caller.DisplayName;
        post.UpdatedAt = Now(clock);
        if (!await cache.InvalidateAsync())
        {
            return CacheUnavailable();
        }

        try
        {
            await db.SaveChangesAsync();
        }
        catch (DbUpdateConcurrencyException)
        {
            // Either someone else's edit came first, or the post was deleted meanwhile.
            return await db.Posts.AnyAsync(stored => stored.Id == id)
                ? TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The post has changed",
                    detail: "The post was changed since you read it. Read it again, then reapply your edit.")
                : NotFound(id);
        }

        await cache.InvalidateAsync();
        return TypedResults.Ok(PostResponse.From(post));
    }

    private static async Task<Results<NoContent, ProblemHttpResult, StepUp.Challenge, Unavailable.RetryAfterProblem>> DeleteAsync(Guid id, ClaimsPrincipal user, BoardDbContext db,
        PostListCache cache, StepUp stepUp)
    {
        var authorId = await db.Posts.Where(post => post.Id == id).Select(post => post.AuthorId).FirstOrDefaultAsync();
        if (authorId is null)
        {
            return NotFound(id);
        }

        var caller = Caller.From(user);
        if (authorId != caller.Id && !caller.IsAdmin)
        {
            return Forbidden("Only the author or an admin can delete a post.");
        }

        // Removing someone else's post is an admin's power: it needs a recent multi-factor sign-in (RFC 9470).
        if (authorId != caller.Id && stepUp.RequireRecentMultiFactor(user) is { } challenge)
        {
            return challenge;
        }

        if (!await cache.InvalidateAsync())
        {
            return CacheUnavailable();
        }

        var deleted = await db.Posts.Where(post => post.Id == id).ExecuteDeleteAsync();
        if (deleted == 0)
        {
            return NotFound(id);
        }

        await cache.InvalidateAsync();
        return TypedResults.NoContent();
    }

    private static async Task<(PostInput? Input, Results<JsonBodyProblem, ValidationProblem>? Problem)> ReadInputAsync(HttpRequest request, bool requireVersion)
    {
        var (input, problem) = await JsonBody.ReadAsync<PostInput>(request, MaxBodyBytes);
        return problem is not null ? (null, problem)
            : input!.Validate(requireVersion) is { Count: > 0 } errors ? (null, TypedResults.ValidationProblem(errors))
            : (input, null);
    }

    // PostgreSQL keeps microseconds; truncating here makes the response match what a later read returns.
    private static DateTimeOffset Now(TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        return now.AddTicks(-(now.UtcTicks % TimeSpan.TicksPerMicrosecond));
    }

    private static ProblemHttpResult NotFound(Guid id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: $"There is no post {id}.");

    // Refusing the write keeps the promise that no reader sees a list from before a write that has answered.
    private static Unavailable.RetryAfterProblem CacheUnavailable() =>
        Unavailable.Problem("Posts cannot be changed right now (the shared cache is unreachable); nothing was changed. Try again shortly.");

    private static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, detail: detail);
}
