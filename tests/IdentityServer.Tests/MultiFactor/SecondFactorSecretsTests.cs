using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.MultiFactor;
using RedisJwt.Testing;

namespace RedisJwt.IdentityServer.Tests.MultiFactor;

/// <summary>
/// What PostgreSQL holds of a user's second factors: the authenticator key only encrypted, recovery codes only hashed;
/// both still work through UserManager, as the pages use them.
/// </summary>
public sealed class SecondFactorSecretsTests(IdentityServerFactory server) : IClassFixture<IdentityServerFactory>
{
    [Fact]
    public async Task UserStore_IsOurs_WithEverySecondFactorStore()
    {
        await using var scope = server.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();

        Assert.IsType<ApplicationUserStore>(scope.ServiceProvider.GetRequiredService<IUserStore<ApplicationUser>>());
        Assert.IsType<Account.ApplicationUserManager>(users);
        Assert.True(users.SupportsUserPasskey);
        Assert.True(users.SupportsUserAuthenticatorKey);
        Assert.True(users.SupportsUserTwoFactorRecoveryCodes);
    }

    [Fact]
    public async Task AuthenticatorKey_StoredEncrypted_ReadsBackAndVerifiesCodes()
    {
        var user = await server.CreateUserAsync();
        var key = await WithUsersAsync(user, async (users, found) =>
        {
            Assert.True((await users.ResetAuthenticatorKeyAsync(found)).Succeeded);
            return (await users.GetAuthenticatorKeyAsync(found))!;
        });

        var stored = Assert.Single(await TokenRowsAsync(user.Id));
        Assert.Equal(ApplicationUserStore.ProtectedAuthenticatorKeyName, stored.Name);
        Assert.DoesNotContain(key, stored.Value!, StringComparison.OrdinalIgnoreCase);
        Assert.NotEqual(key, stored.Value);
        // Another request (a fresh store and context) reads the same key, and Identity's provider accepts its codes.
        await WithUsersAsync(user, async (users, found) =>
        {
            Assert.Equal(key, await users.GetAuthenticatorKeyAsync(found));
            Assert.True(await users.VerifyTwoFactorTokenAsync(found, TokenOptions.DefaultAuthenticatorProvider,
                Totp.Code(key, DateTimeOffset.UtcNow)));
            return true;
        });
    }

    [Fact]
    public async Task AuthenticatorKey_TamperedRow_ReadsAsNone()
    {
        var user = await server.CreateUserAsync();
        await WithUsersAsync(user, async (users, found) => (await users.ResetAuthenticatorKeyAsync(found)).Succeeded);
        var stored = Assert.Single(await TokenRowsAsync(user.Id)).Value!;
        var tampered = stored[..^4] + (stored[^4] == 'A' ? 'B' : 'A') + stored[^3..];

        await SetTokenValueAsync(user.Id, tampered);

        await WithUsersAsync(user, async (users, found) =>
        {
            Assert.Null(await users.GetAuthenticatorKeyAsync(found));
            Assert.False(await users.VerifyTwoFactorTokenAsync(found, TokenOptions.DefaultAuthenticatorProvider, "123456"));
            return true;
        });
    }

    [Fact]
    public async Task AuthenticatorKey_CopiedFromAnotherUsersRow_ReadsAsNone()
    {
        var attacker = await server.CreateUserAsync();
        var victim = await server.CreateUserAsync();
        await WithUsersAsync(attacker, async (users, found) => (await users.ResetAuthenticatorKeyAsync(found)).Succeeded);
        await WithUsersAsync(victim, async (users, found) => (await users.ResetAuthenticatorKeyAsync(found)).Succeeded);

        // Whoever can write the database puts their own protected key in the victim's row: it does not decrypt there.
        await SetTokenValueAsync(victim.Id, Assert.Single(await TokenRowsAsync(attacker.Id)).Value!);

        Assert.Null(await WithUsersAsync(victim, (users, found) => users.GetAuthenticatorKeyAsync(found)));
    }

    [Fact]
    public async Task RecoveryCodes_TenOfThePromisedShape_StoredAsHashesOnly()
    {
        var user = await server.CreateUserAsync();

        var codes = (await WithUsersAsync(user, (users, found) => users.GenerateNewTwoFactorRecoveryCodesAsync(found, 10)))!.ToList();

        Assert.Equal(10, codes.Distinct().Count());
        Assert.All(codes, code => Assert.Matches(RecoveryCodesTests.CodeShape(), code));
        var stored = Assert.Single(await TokenRowsAsync(user.Id));
        Assert.Equal(ApplicationUserStore.RecoveryCodeHashesName, stored.Name);
        Assert.Equal(10, stored.Value!.Split(';').Length);
        Assert.All(codes, code =>
        {
            Assert.DoesNotContain(code, stored.Value, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(RecoveryCodes.Normalize(code), stored.Value, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(code[..4] + code[5..9], stored.Value, StringComparison.OrdinalIgnoreCase);
        });
        Assert.Equal(10, await WithUsersAsync(user, (users, found) => users.CountRecoveryCodesAsync(found)));
    }

    [Fact]
    public async Task RecoveryCode_RedeemedOnce_SecondTimeRefused_CountDrops()
    {
        var user = await server.CreateUserAsync();
        var codes = (await WithUsersAsync(user, (users, found) => users.GenerateNewTwoFactorRecoveryCodesAsync(found, 10)))!.ToList();

        Assert.True((await RedeemAsync(user, codes[3])).Succeeded);
        Assert.False((await RedeemAsync(user, codes[3])).Succeeded);
        Assert.Equal(9, await WithUsersAsync(user, (users, found) => users.CountRecoveryCodesAsync(found)));
        Assert.True((await RedeemAsync(user, codes[4])).Succeeded);
        Assert.Equal(8, await WithUsersAsync(user, (users, found) => users.CountRecoveryCodesAsync(found)));
    }

    [Theory]
    [InlineData(" {0} ")]
    [InlineData("{1}")]
    [InlineData("{2}")]
    public async Task RecoveryCode_TypedWithSpacesOrUpperCase_Redeemed(string format)
    {
        var user = await server.CreateUserAsync();
        var code = (await WithUsersAsync(user, (users, found) => users.GenerateNewTwoFactorRecoveryCodesAsync(found, 10)))!.First();
        var typed = string.Format(format, code.Replace('-', ' '), code.ToUpperInvariant(), code.Replace("-", ""));

        Assert.True((await RedeemAsync(user, typed)).Succeeded, typed);
        Assert.False((await RedeemAsync(user, code)).Succeeded);
    }

    [Fact]
    public async Task RecoveryCode_OfAnotherUser_OrReplacedByNewCodes_Refused()
    {
        var user = await server.CreateUserAsync();
        var other = await server.CreateUserAsync();
        var old = (await WithUsersAsync(user, (users, found) => users.GenerateNewTwoFactorRecoveryCodesAsync(found, 10)))!.First();
        var othersCode = (await WithUsersAsync(other, (users, found) => users.GenerateNewTwoFactorRecoveryCodesAsync(found, 10)))!.First();

        await WithUsersAsync(user, (users, found) => users.GenerateNewTwoFactorRecoveryCodesAsync(found, 10));

        Assert.False((await RedeemAsync(user, othersCode)).Succeeded);
        Assert.False((await RedeemAsync(user, old)).Succeeded);
        Assert.False((await RedeemAsync(user, "")).Succeeded);
        Assert.Equal(10, await WithUsersAsync(user, (users, found) => users.CountRecoveryCodesAsync(found)));
    }

    private Task<IdentityResult> RedeemAsync(ApplicationUser user, string code) =>
        WithUsersAsync(user, (users, found) => users.RedeemTwoFactorRecoveryCodeAsync(found, code));

    // Each call a request of its own: a fresh scope, store and DbContext, the user loaded again.
    private Task<T> WithUsersAsync<T>(ApplicationUser user, Func<UserManager<ApplicationUser>, ApplicationUser, Task<T>> action) =>
        server.WithScopeAsync(async services =>
        {
            var users = services.GetRequiredService<UserManager<ApplicationUser>>();
            return await action(users, (await users.FindByIdAsync(user.Id))!);
        });

    private Task<List<IdentityUserToken<string>>> TokenRowsAsync(string userId) =>
        server.WithScopeAsync(services => services.GetRequiredService<ApplicationDbContext>().UserTokens.AsNoTracking()
            .Where(token => token.UserId == userId).ToListAsync());

    private Task<int> SetTokenValueAsync(string userId, string value) =>
        server.WithScopeAsync(services => services.GetRequiredService<ApplicationDbContext>().UserTokens
            .Where(token => token.UserId == userId && token.Name == ApplicationUserStore.ProtectedAuthenticatorKeyName)
            .ExecuteUpdateAsync(token => token.SetProperty(t => t.Value, value)));
}
