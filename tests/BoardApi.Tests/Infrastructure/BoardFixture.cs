using RedisJwt.Testing;

namespace RedisJwt.BoardApi.Tests.Infrastructure;

/// <summary>
/// A real IdentityServer on a loopback port (so BoardApi reads its discovery document and JWKS over HTTP, as in
/// production) and a BoardApi trusting it. One per test class.
/// </summary>
public class BoardFixture : IAsyncLifetime
{
    public IdentityServerFactory Identity { get; private set; } = null!;

    public BoardApiFactory Board { get; private set; } = null!;

    /// <summary>Settings the BoardApi gets on top of the defaults, e.g. the validation mode.</summary>
    protected virtual IDictionary<string, string?> BoardSettings => new Dictionary<string, string?>();

    /// <summary>Settings the IdentityServer gets on top of the defaults, e.g. more clients.</summary>
    protected virtual IDictionary<string, string?>? IdentitySettings => null;

    public virtual async Task InitializeAsync()
    {
        Identity = IdentityServerFactory.OnLoopback(IdentityServerFactory.FreeLoopbackPort(), overrides: IdentitySettings);
        await Identity.InitializeAsync();
        // The same Redis prefix: BoardApi reads the revocations this IdentityServer writes.
        Board = new BoardApiFactory(Identity.Issuer, redisPrefix: Identity.RedisPrefix, overrides: BoardSettings);
        Board.StartServer();
    }

    /// <summary>Another BoardApi instance of the same deployment (same database and Redis prefix).</summary>
    public BoardApiFactory StartAnotherBoard()
    {
        var board = new BoardApiFactory(Identity.Issuer, Board.DatabaseName, Identity.RedisPrefix, BoardSettings)
        {
            DropDatabaseOnDispose = false,
        };
        board.StartServer();
        return board;
    }

    public virtual async Task DisposeAsync()
    {
        await Board.DisposeAsync();
        await Identity.DisposeAsync();
    }

    /// <summary>A token for the third-party demo client itself (client credentials): its sub is the client id.</summary>
    public Task<string> ClientTokenAsync(string scope = "posts.read posts.write") => Tokens.ClientCredentialsAsync(Identity, scope);

    /// <summary>A new user signed in through the SPA's code + PKCE flow; the access token carries sub, name and roles.</summary>
    public Task<SignedInUser> SignInNewUserAsync(string scopes = Tokens.UserScopes, params string[] roles) =>
        Tokens.SignInNewUserAsync(Identity, scopes, roles);
}

/// <summary>BoardApi validating every token by introspection at the IdentityServer instead of locally.</summary>
public sealed class IntrospectionBoardFixture : BoardFixture
{
    protected override IDictionary<string, string?> BoardSettings => new Dictionary<string, string?>
    {
        ["Auth:Mode"] = "Introspection",
        ["Auth:ClientId"] = IdentityServerFactory.BoardApiClientId,
        ["Auth:ClientSecret"] = IdentityServerFactory.BoardApiSecret,
    };
}
