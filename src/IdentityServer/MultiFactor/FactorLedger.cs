using Microsoft.EntityFrameworkCore;
using RedisJwt.IdentityServer.Data;

namespace RedisJwt.IdentityServer.MultiFactor;

public sealed record FactorDates(string Factor, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt);

/// <summary>
/// The record of each second factor a user set up (<see cref="FactorUse"/>): whether the authenticator app is set up
/// (Identity keeps a key before it is confirmed), when each factor was set up (which names it in a sign-in, see
/// SecondFactors.InstanceOfAsync) and last used (the Two-factor page's dates). Each write is one
/// statement (an INSERT ... ON CONFLICT upsert, or a DELETE), so it touches nothing else tracked in the request's context.
/// </summary>
public sealed class FactorLedger(ApplicationDbContext db, TimeProvider time)
{
    /// <summary>The factor was set up (again): created now, never used since.</summary>
    public async Task RecordCreatedAsync(string userId, string factor)
    {
        CheckFactor(factor);
        var now = time.GetUtcNow();
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO "FactorUses" ("UserId", "Factor", "CreatedAt", "LastUsedAt") VALUES ({userId}, {factor}, {now}, NULL)
            ON CONFLICT ("UserId", "Factor") DO UPDATE SET "CreatedAt" = excluded."CreatedAt", "LastUsedAt" = NULL
            """);
    }

    /// <summary>The user signed in with the factor now (one set up before this ledger existed is recorded as created now).</summary>
    public async Task RecordUsedAsync(string userId, string factor)
    {
        CheckFactor(factor);
        var now = time.GetUtcNow();
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO "FactorUses" ("UserId", "Factor", "CreatedAt", "LastUsedAt") VALUES ({userId}, {factor}, {now}, {now})
            ON CONFLICT ("UserId", "Factor") DO UPDATE SET "LastUsedAt" = excluded."LastUsedAt"
            """);
    }

    public Task RemoveAsync(string userId, string factor) =>
        db.Set<FactorUse>().Where(use => use.UserId == userId && use.Factor == factor).ExecuteDeleteAsync();

    public Task RemoveAllAsync(string userId) =>
        db.Set<FactorUse>().Where(use => use.UserId == userId).ExecuteDeleteAsync();

    /// <returns>The user's factors by name (<see cref="Factors"/>).</returns>
    public async Task<IReadOnlyDictionary<string, FactorDates>> ListAsync(string userId) =>
        await db.Set<FactorUse>().AsNoTracking().Where(use => use.UserId == userId)
            .ToDictionaryAsync(use => use.Factor, use => new FactorDates(use.Factor, use.CreatedAt, use.LastUsedAt));

    private static void CheckFactor(string factor)
    {
        ArgumentException.ThrowIfNullOrEmpty(factor);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(factor.Length, FactorUse.FactorMaxLength, nameof(factor));
    }
}
