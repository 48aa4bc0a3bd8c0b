using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RedisJwt.IdentityServer.Data;
using RedisJwt.Testing;
using static RedisJwt.Testing.IdentityServerFactory;

namespace RedisJwt.IdentityServer.Tests.Hardening;

/// <summary>
/// Review finding 6 (issue 17): lockout could be outrun by guesses sent in parallel (each was checked before any had
/// counted), and the per-account limit key was not Identity's normalization. Now an attempt is reserved atomically
/// before the password is checked, and the limit key is Identity's lookup key, which folds compatibility forms.
/// </summary>
public sealed class LockoutRaceTests : IAsyncLifetime
{
    private const string Password = "Str0ng!Password";

    private readonly CountingPasswordHasher _hasher = new();
    private readonly IdentityServerFactory _server = new();

    public LockoutRaceTests()
    {
        _server.TestServices = services => services.AddScoped<IPasswordHasher<ApplicationUser>>(provider =>
            _hasher.Over(new PasswordHasher<ApplicationUser>(provider.GetRequiredService<IOptions<PasswordHasherOptions>>())));
    }

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Fact]
    public async Task Login_TwentyWrongPasswordsAtOnce_NoMoreCheckedThanAttemptsAllowed()
    {
        var user = await CreateUserAsync(_server, $"race-{Guid.NewGuid():N}@example.test");
        var client = _server.CreateApiClient();
        var checksBefore = _hasher.VerificationsOf(user.PasswordHash!);

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => AuthApiClient.LoginAsync(client, user.Email!, "Wrong!Passw0rd")));

        // Every answer is the same refusal (or the limit's); never a sign-in.
        Assert.All(answers, answer => Assert.NotEqual(HttpStatusCode.OK, answer.Status));
        var checks = _hasher.VerificationsOf(user.PasswordHash!) - checksBefore;
        Assert.InRange(checks, 1, 5);
        // Locked now: even the right password is refused.
        Assert.Equal(HttpStatusCode.BadRequest, (await AuthApiClient.LoginAsync(client, user.Email!, Password)).Status);
    }

    [Fact]
    public async Task Login_FourRightPasswordsAtOnce_AllSignIn()
    {
        // A user signing in on several devices at the same moment: each sign-in is answered on its own merits (Identity's
        // own success path updated the user under its concurrency stamp, and most of these failed as wrong). Fewer than
        // MaxFailedAccessAttempts (5): more at once than that are held back by design, each taking an attempt first.
        var user = await CreateUserAsync(_server, $"devices-{Guid.NewGuid():N}@example.test");
        var client = _server.CreateApiClient();

        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => AuthApiClient.LoginAsync(client, user.Email!, Password)));

        Assert.All(answers, answer => Assert.Equal(HttpStatusCode.OK, answer.Status));
        var stored = await _server.WithScopeAsync(async services => await services.GetRequiredService<ApplicationDbContext>().Users
            .AsNoTracking().SingleAsync(stored => stored.Id == user.Id));
        Assert.Equal((0, null), (stored.AccessFailedCount, stored.LockoutEnd));
    }

    [Fact]
    public async Task Login_RightPasswordOnTheLastAttempt_SignsInAndLeavesNoLockout()
    {
        var user = await CreateUserAsync(_server, $"last-{Guid.NewGuid():N}@example.test");
        var client = _server.CreateApiClient();
        for (var attempt = 0; attempt < 4; attempt++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await AuthApiClient.LoginAsync(client, user.Email!, "Wrong!Passw0rd")).Status);
        }

        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.LoginAsync(client, user.Email!, Password)).Status);
        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.LoginAsync(client, user.Email!, Password)).Status);
    }

    [Fact]
    public async Task Login_AttemptsThatNeverFinished_LockNoLongerThanTheLockoutTime()
    {
        // Each check dies between its reservation and its answer (a crash, a lost database connection).
        await using var server = Create(NewDatabaseName(), NewRedisPrefix());
        server.TestServices = services => services.AddScoped<IPasswordHasher<ApplicationUser>>(provider => new CrashingOn("Crash!Passw0rd",
            new PasswordHasher<ApplicationUser>(provider.GetRequiredService<IOptions<PasswordHasherOptions>>())));
        var user = await CreateUserAsync(server, $"crash-{Guid.NewGuid():N}@example.test");
        var client = server.CreateApiClient();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            Assert.Equal(HttpStatusCode.InternalServerError, (await AuthApiClient.LoginAsync(client, user.Email!, "Crash!Passw0rd")).Status);
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await AuthApiClient.LoginAsync(client, user.Email!, Password)).Status);
        var lockedUntil = await server.WithScopeAsync(async services => (await services.GetRequiredService<UserManager<ApplicationUser>>()
            .FindByIdAsync(user.Id))!.LockoutEnd);
        Assert.InRange(lockedUntil!.Value, DateTimeOffset.UtcNow.AddMinutes(14), DateTimeOffset.UtcNow.AddMinutes(15));

        // The lockout time passes (Identity checks it against the real clock).
        await server.WithScopeAsync(async services => await services.GetRequiredService<ApplicationDbContext>().Users
            .Where(stored => stored.Id == user.Id)
            .ExecuteUpdateAsync(update => update.SetProperty(stored => stored.LockoutEnd, DateTimeOffset.UtcNow.AddSeconds(-1))));
        Assert.Equal(HttpStatusCode.OK, (await AuthApiClient.LoginAsync(client, user.Email!, Password)).Status);
    }

    [Fact]
    public async Task SignInLimit_CompatibilityFormsOfOneAddress_OneAccountAndOneBucket()
    {
        await using var limited = Create(NewDatabaseName(), NewRedisPrefix(), new Dictionary<string, string?>
        {
            ["RateLimits:Policies:sign-in-per-account:PermitLimit"] = "3",
            ["RateLimits:Policies:sign-in-per-account:Window"] = "01:00:00",
        });
        var local = $"kate{Guid.NewGuid():N}"[..20];
        await CreateUserAsync(limited, $"{local}@example.test");
        var client = limited.CreateApiClient();

        // U+212A KELVIN SIGN for "k"; full-width letters; upper case: each is this one address.
        var kelvin = await AuthApiClient.LoginAsync(client, $"\u212A{local[1..]}@example.test", Password);
        var fullWidth = await AuthApiClient.LoginAsync(client, $"\uFF4B\uFF41\uFF54\uFF45{local[4..]}@example.test", "Wrong!Passw0rd");
        var upper = await AuthApiClient.LoginAsync(client, $"{local.ToUpperInvariant()}@EXAMPLE.TEST", "Wrong!Passw0rd");
        var plain = await AuthApiClient.LoginAsync(client, $"{local}@example.test", Password);

        Assert.Equal(HttpStatusCode.OK, kelvin.Status);
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_grant"), (fullWidth.Status, fullWidth.Error));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_grant"), (upper.Status, upper.Error));
        Assert.Equal(HttpStatusCode.TooManyRequests, plain.Status);
    }

    private static async Task<ApplicationUser> CreateUserAsync(IdentityServerFactory server, string email) =>
        await server.WithScopeAsync(async services =>
        {
            var user = new ApplicationUser { UserName = email, Email = email, DisplayName = "Kate", EmailConfirmed = true };
            Assert.True((await services.GetRequiredService<UserManager<ApplicationUser>>().CreateAsync(user, Password)).Succeeded);
            return user;
        });

    private sealed class CrashingOn(string password, IPasswordHasher<ApplicationUser> inner) : IPasswordHasher<ApplicationUser>
    {
        public string HashPassword(ApplicationUser user, string provided) => inner.HashPassword(user, provided);

        public PasswordVerificationResult VerifyHashedPassword(ApplicationUser user, string hashedPassword, string provided) =>
            provided == password ? throw new InvalidOperationException("test: the check dies") : inner.VerifyHashedPassword(user, hashedPassword, provided);
    }

    /// <summary>Counts password verifications per stored hash: how many guesses were really checked.</summary>
    private sealed class CountingPasswordHasher
    {
        private readonly Dictionary<string, int> _verifications = [];

        public IPasswordHasher<ApplicationUser> Over(IPasswordHasher<ApplicationUser> inner) => new Counting(inner, this);

        public int VerificationsOf(string hash)
        {
            lock (_verifications)
            {
                return _verifications.GetValueOrDefault(hash);
            }
        }

        private void Count(string hash)
        {
            lock (_verifications)
            {
                _verifications[hash] = _verifications.GetValueOrDefault(hash) + 1;
            }
        }

        private sealed class Counting(IPasswordHasher<ApplicationUser> inner, CountingPasswordHasher counter) : IPasswordHasher<ApplicationUser>
        {
            public string HashPassword(ApplicationUser user, string password) => inner.HashPassword(user, password);

            public PasswordVerificationResult VerifyHashedPassword(ApplicationUser user, string hashedPassword, string providedPassword)
            {
                counter.Count(hashedPassword);
                return inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
            }
        }
    }
}
