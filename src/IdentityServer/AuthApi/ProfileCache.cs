using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;
using RedisJwt.IdentityServer.Data;
using RedisJwt.ServiceDefaults;
using RedisJwt.ServiceDefaults.Caching;

namespace RedisJwt.IdentityServer.AuthApi;

/// <summary>What GET /auth/me answers: the user's own account, for the user only.</summary>
public sealed record AccountProfile(string Id, string Email, string DisplayName, DateOnly? Birthdate, IReadOnlyList<string> Roles);

/// <summary>
/// Profiles in HybridCache (memory, then Redis), keyed by a per-user <see cref="CacheGeneration"/> that every change
/// to the user replaces (<see cref="Account.ApplicationUserManager"/>), so no instance serves a profile from before
/// a change.
/// </summary>
public sealed class ProfileCache(HybridCache cache, CacheGeneration generations, RedisKeys keys,
    IServiceScopeFactory scopes, IOptions<AuthApiSettings> settings)
{
    private readonly HybridCacheEntryOptions _entry = new() { Expiration = settings.Value.ProfileCacheDuration };

    // The generation outlives every entry cached under it.
    private TimeSpan GenerationLifetime => settings.Value.ProfileCacheDuration * 2;

    /// <returns>Null when there is no such user.</returns>
    public async Task<AccountProfile?> GetAsync(string userId, CancellationToken cancellationToken)
    {
        if (await generations.CurrentAsync(keys.ProfileGeneration(userId), GenerationLifetime) is not { } generation)
        {
            return await LoadAsync(userId);
        }

        return await cache.GetOrCreateAsync($"profile:{userId}:{generation}", _ => new ValueTask<AccountProfile?>(LoadAsync(userId)),
            _entry, cancellationToken: cancellationToken);
    }

    /// <returns>False when Redis could not be reached: the change must not go ahead.</returns>
    public Task<bool> InvalidateAsync(string userId) =>
        generations.ReplaceAsync(keys.ProfileGeneration(userId), GenerationLifetime);

    // Its own scope: HybridCache may finish the load for other waiters after the first caller's request has ended.
    private async Task<AccountProfile?> LoadAsync(string userId)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        return await users.FindByIdAsync(userId) is { } user ? await ToProfileAsync(users, user) : null;
    }

    public static async Task<AccountProfile> ToProfileAsync(UserManager<ApplicationUser> users, ApplicationUser user) =>
        new(user.Id, user.Email ?? "", user.DisplayName, user.BirthDate, [.. (await users.GetRolesAsync(user)).Order(StringComparer.Ordinal)]);
}
