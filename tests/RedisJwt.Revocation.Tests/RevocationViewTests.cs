namespace RedisJwt.Revocation.Tests;

/// <summary>
/// The view in sync, judging from memory alone: what it was told (in any order) and what has expired. Nothing here is
/// in Redis, so a revoked answer can only come from the view itself.
/// </summary>
public sealed class RevocationViewTests : IAsyncLifetime
{
    private readonly TestRedis _redis = new();
    private RevocationView _view = null!;

    private DateTimeOffset Now => _redis.Clock.GetUtcNow();

    public async Task InitializeAsync() => _view = await _redis.SynchronizedViewAsync();

    public Task DisposeAsync() => _redis.DisposeAsync().AsTask();

    public static TheoryData<RevocationKind> EachIdKind => [RevocationKind.Token, RevocationKind.Session, RevocationKind.Family];

    [Theory]
    [MemberData(nameof(EachIdKind))]
    public async Task Check_IdRevoked_RevokedAndOtherIdsValid(RevocationKind kind)
    {
        _view.Apply(new Revoked(kind, "id-1", Now.AddMinutes(5)));

        Assert.Equal(RevocationStatus.Revoked, await _view.CheckAsync(TokenWith(kind, "id-1")));
        Assert.Equal(RevocationStatus.Valid, await _view.CheckAsync(TokenWith(kind, "id-2")));
    }

    [Fact]
    public async Task Check_IdsOfOneKindRevoked_DoNotRevokeTheSameIdsOfAnother()
    {
        _view.Apply(Revoked.Session("id-1", Now.AddMinutes(5)));

        Assert.Equal(RevocationStatus.Valid, await _view.CheckAsync(new TokenFacts("id-1", "other", "id-1", "id-1", 0)));
    }

    [Fact]
    public async Task Check_UserMark_RevokesTokensIssuedBeforeItsSecondOnly()
    {
        var before = Now.AddSeconds(-10);
        _view.Apply(Revoked.User("user-1", before, Now.AddMinutes(5)));
        var mark = before.ToUnixTimeSeconds();

        Assert.Equal(RevocationStatus.Revoked, await _view.CheckAsync(IssuedTo("user-1", mark - 1)));
        // The same second: a sign-in right after "log out everywhere" must work.
        Assert.Equal(RevocationStatus.Valid, await _view.CheckAsync(IssuedTo("user-1", mark)));
        Assert.Equal(RevocationStatus.Valid, await _view.CheckAsync(IssuedTo("user-1", mark + 1)));
        Assert.Equal(RevocationStatus.Valid, await _view.CheckAsync(IssuedTo("user-2", mark - 1)));
    }

    [Fact]
    public async Task Apply_OlderUserMarkAfterANewerOne_KeepsTheNewer()
    {
        var newer = Now.AddSeconds(-10);
        _view.Apply(Revoked.User("user-1", newer, Now.AddMinutes(5)));
        _view.Apply(Revoked.User("user-1", newer.AddSeconds(-60), Now.AddMinutes(5)));

        Assert.Equal(RevocationStatus.Revoked, await _view.CheckAsync(IssuedTo("user-1", newer.ToUnixTimeSeconds() - 30)));
    }

    [Fact]
    public async Task Apply_ShorterExpiryAfterALongerOne_KeepsTheLonger()
    {
        _view.Apply(Revoked.Token("jti-1", Now.AddMinutes(10)));
        _view.Apply(Revoked.Token("jti-1", Now.AddMinutes(1)));
        var before = Now.AddSeconds(-10);
        _view.Apply(Revoked.User("user-1", before, Now.AddMinutes(10)));
        _view.Apply(Revoked.User("user-1", before, Now.AddMinutes(1)));

        _redis.Clock.Offset = TimeSpan.FromMinutes(5);

        Assert.Equal(RevocationStatus.Revoked, await _view.CheckAsync(TokenWith(RevocationKind.Token, "jti-1")));
        Assert.Equal(RevocationStatus.Revoked, await _view.CheckAsync(IssuedTo("user-1", before.ToUnixTimeSeconds() - 1)));
    }

    [Fact]
    public async Task Check_RevocationExpired_Valid()
    {
        _view.Apply(Revoked.Family("aid-1", Now.AddMinutes(1)));
        _view.Apply(Revoked.User("user-1", Now, Now.AddMinutes(1)));

        _redis.Clock.Offset = TimeSpan.FromMinutes(2);

        Assert.Equal(RevocationStatus.Valid, await _view.CheckAsync(TokenWith(RevocationKind.Family, "aid-1")));
        Assert.Equal(RevocationStatus.Valid, await _view.CheckAsync(IssuedTo("user-1", 0)));
    }

    [Fact]
    public async Task Purge_DropsExpiredEntriesOnly()
    {
        var before = Now;
        _view.Apply(Revoked.Token("expired", Now.AddMinutes(1)));
        _view.Apply(Revoked.Token("current", Now.AddMinutes(10)));
        _view.Apply(Revoked.User("expired-user", before, Now.AddMinutes(1)));
        _view.Apply(Revoked.User("current-user", before, Now.AddMinutes(10)));

        _redis.Clock.Offset = TimeSpan.FromMinutes(5);
        _view.Purge();
        // Back to before the expiry: only what was dropped reads as valid now.
        _redis.Clock.Offset = TimeSpan.Zero;

        Assert.Equal(RevocationStatus.Valid, await _view.CheckAsync(TokenWith(RevocationKind.Token, "expired")));
        Assert.Equal(RevocationStatus.Revoked, await _view.CheckAsync(TokenWith(RevocationKind.Token, "current")));
        Assert.Equal(RevocationStatus.Valid, await _view.CheckAsync(IssuedTo("expired-user", 0)));
        Assert.Equal(RevocationStatus.Revoked, await _view.CheckAsync(IssuedTo("current-user", 0)));
    }

    internal static TokenFacts TokenWith(RevocationKind kind, string id) => kind switch
    {
        RevocationKind.Token => new(id, null, null, null, 0),
        RevocationKind.Session => new(null, id, null, null, 0),
        RevocationKind.Family => new(null, null, id, null, 0),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "a user mark is judged by iat: IssuedTo"),
    };

    internal static TokenFacts IssuedTo(string subject, long issuedAt) => new(null, null, null, subject, issuedAt);
}
