using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.MultiFactor;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests.MultiFactor;

/// <summary>The dates of each second factor (the Security page's "created" and "last used"), and passkeys' own storage.</summary>
public sealed class FactorLedgerTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    private static readonly DateTimeOffset Monday = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);

    private readonly SetClock _clock = new() { Now = Monday };

    [Fact]
    public async Task Created_ThenUsed_ListedWithBothDates()
    {
        var user = await server.CreateUserAsync();

        await LedgerAsync(ledger => ledger.RecordCreatedAsync(user.Id, Factors.Authenticator));
        var created = await ListAsync(user.Id);
        _clock.Now = Monday.AddHours(3);
        await LedgerAsync(ledger => ledger.RecordUsedAsync(user.Id, Factors.Authenticator));
        var used = await ListAsync(user.Id);

        Assert.Equal(new FactorDates(Factors.Authenticator, Monday, null), Assert.Single(created).Value);
        Assert.Equal(new FactorDates(Factors.Authenticator, Monday, Monday.AddHours(3)), used[Factors.Authenticator]);
    }

    [Fact]
    public async Task CreatedAgain_NewDate_LastUseForgotten()
    {
        var user = await server.CreateUserAsync();
        await LedgerAsync(ledger => ledger.RecordCreatedAsync(user.Id, Factors.RecoveryCodes));
        await LedgerAsync(ledger => ledger.RecordUsedAsync(user.Id, Factors.RecoveryCodes));

        _clock.Now = Monday.AddDays(1);
        await LedgerAsync(ledger => ledger.RecordCreatedAsync(user.Id, Factors.RecoveryCodes));

        Assert.Equal(new FactorDates(Factors.RecoveryCodes, Monday.AddDays(1), null), (await ListAsync(user.Id))[Factors.RecoveryCodes]);
    }

    [Fact]
    public async Task UsedWithoutARecordOfCreation_RecordedAsCreatedNow()
    {
        var user = await server.CreateUserAsync();
        var passkey = Factors.Passkey([1, 2, 3, 250]);

        await LedgerAsync(ledger => ledger.RecordUsedAsync(user.Id, passkey));

        Assert.Equal(new FactorDates(passkey, Monday, Monday), (await ListAsync(user.Id))[passkey]);
    }

    [Fact]
    public async Task Remove_OneFactor_ThenAll_OtherUsersKept()
    {
        var user = await server.CreateUserAsync();
        var other = await server.CreateUserAsync();
        foreach (var factor in new[] { Factors.Authenticator, Factors.RecoveryCodes, Factors.Passkey([9]) })
        {
            await LedgerAsync(ledger => ledger.RecordCreatedAsync(user.Id, factor));
        }

        await LedgerAsync(ledger => ledger.RecordCreatedAsync(other.Id, Factors.Authenticator));

        await LedgerAsync(ledger => ledger.RemoveAsync(user.Id, Factors.RecoveryCodes));
        Assert.Equal([Factors.Passkey([9]), Factors.Authenticator], (await ListAsync(user.Id)).Keys.Order(StringComparer.Ordinal));

        await LedgerAsync(ledger => ledger.RemoveAllAsync(user.Id));
        Assert.Empty(await ListAsync(user.Id));
        Assert.Single(await ListAsync(other.Id));
    }

    [Fact]
    public async Task UserDeleted_FactorsAndPasskeysGoWithIt()
    {
        var user = await server.CreateUserAsync();
        await LedgerAsync(ledger => ledger.RecordCreatedAsync(user.Id, Factors.Authenticator));
        Assert.True(await server.WithScopeAsync(async services =>
        {
            var users = services.GetRequiredService<UserManager<ApplicationUser>>();
            var found = (await users.FindByIdAsync(user.Id))!;
            Assert.True((await users.AddOrUpdatePasskeyAsync(found, Passkey([7, 7, 7]))).Succeeded);
            return (await users.DeleteAsync(found)).Succeeded;
        }));

        Assert.Empty(await ListAsync(user.Id));
        Assert.Equal(0, await server.WithScopeAsync(services =>
            services.GetRequiredService<ApplicationDbContext>().UserPasskeys.CountAsync(passkey => passkey.UserId == user.Id)));
    }

    [Fact]
    public void Passkey_NamedByItsCredentialId_Base64Url_LongIdsHashedToFit()
    {
        Assert.Equal("passkey:AQID-_8", Factors.Passkey([1, 2, 3, 251, 255]));
        Assert.NotEqual(Factors.Passkey([1, 2, 3]), Factors.Passkey([1, 2, 4]));

        // WebAuthn allows credential ids up to 1023 bytes.
        var longest = Factors.Passkey(Enumerable.Repeat((byte)0xab, 1023).ToArray());
        Assert.StartsWith("passkey:sha256-", longest);
        Assert.InRange(longest.Length, 1, FactorUse.FactorMaxLength);
    }

    [Fact]
    public async Task Passkey_AddedThroughUserManager_RoundTrips()
    {
        var user = await server.CreateUserAsync();
        var passkey = Passkey([4, 2, 4, 2]);
        passkey.Name = "Laptop";

        Assert.True(await server.WithScopeAsync(async services =>
        {
            var users = services.GetRequiredService<UserManager<ApplicationUser>>();
            return (await users.AddOrUpdatePasskeyAsync((await users.FindByIdAsync(user.Id))!, passkey)).Succeeded;
        }));

        var stored = Assert.Single(await server.WithScopeAsync(async services =>
        {
            var users = services.GetRequiredService<UserManager<ApplicationUser>>();
            return await users.GetPasskeysAsync((await users.FindByIdAsync(user.Id))!);
        }));
        Assert.Equal(passkey.CredentialId, stored.CredentialId);
        Assert.Equal(passkey.PublicKey, stored.PublicKey);
        Assert.Equal("Laptop", stored.Name);
        Assert.Equal(passkey.SignCount, stored.SignCount);
        Assert.Equal(passkey.Transports, stored.Transports);
        Assert.Equal(passkey.CreatedAt, stored.CreatedAt);
        Assert.Equal(user.Id, await server.WithScopeAsync(async services =>
            (await services.GetRequiredService<UserManager<ApplicationUser>>().FindByPasskeyIdAsync([4, 2, 4, 2]))?.Id));
    }

    private static UserPasskeyInfo Passkey(byte[] credentialId) => new(credentialId, publicKey: [0xa5, 1, 2, 3, 0x26],
        createdAt: Monday, signCount: 5, transports: ["internal", "hybrid"], isUserVerified: true, isBackupEligible: true,
        isBackedUp: false, attestationObject: [0xa0], clientDataJson: "{}"u8.ToArray());

    // The ledger on this test's clock, in a request of its own.
    private Task LedgerAsync(Func<FactorLedger, Task> action) =>
        server.WithScopeAsync(async services =>
        {
            await action(new FactorLedger(services.GetRequiredService<ApplicationDbContext>(), _clock));
            return true;
        });

    private Task<IReadOnlyDictionary<string, FactorDates>> ListAsync(string userId) =>
        server.WithScopeAsync(services => services.GetRequiredService<FactorLedger>().ListAsync(userId));

    private sealed class SetClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
