using RedisJwt.IdentityServer.Clients;
using RedisJwt.IdentityServer.Credentials;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.DynamicRegistration;

namespace RedisJwt.IdentityServer.Operations;

/// <summary>
/// One-shot commands: `IdentityServer migrate | clients ... | initial-access-tokens ... | keys ...` run against the configured database and Redis,
/// set the exit code, and the process exits instead of serving.
/// </summary>
public static class Commands
{
    private const string Migrate = "migrate";

    private static readonly Dictionary<string, Func<WebApplication, string[], Task<int>>> Table = new(StringComparer.Ordinal)
    {
        // Production path: applies migrations and seeds (at start only in Development, Database:ApplyMigrationsAtStartup).
        [Migrate] = async (app, _) =>
        {
            await app.MigrateAndSeedAsync();
            return 0;
        },
        [ClientsCommand.Name] = (app, args) => ClientsCommand.RunAsync(app.Services, args[1..], Console.Out, Console.Error),
        [InitialAccessTokensCommand.Name] = (app, args) =>
            InitialAccessTokensCommand.RunAsync(app.Services, args[1..], Console.Out, Console.Error),
        [KeysCommand.Name] = (app, args) => KeysCommand.RunAsync(app.Services, args[1..], Console.Out, Console.Error),
    };

    /// <returns>Whether a command ran; its exit code is then in <see cref="Environment.ExitCode"/>.</returns>
    public static async Task<bool> RunCommandAsync(this WebApplication app, string[] args)
    {
        if (NameIn(args) is not { } name || !Table.TryGetValue(name, out var run))
        {
            return false;
        }

        Environment.ExitCode = await run(app, args);
        return true;
    }

    // "migrate" has always counted anywhere on the command line; the other commands are the first argument.
    private static string? NameIn(string[] args) => args.Contains(Migrate) ? Migrate : args.FirstOrDefault();
}
