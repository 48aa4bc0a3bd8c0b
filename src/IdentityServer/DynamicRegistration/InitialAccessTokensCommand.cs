using System.Data.Common;
using System.Globalization;

namespace RedisJwt.IdentityServer.DynamicRegistration;

/// <summary>
/// `IdentityServer initial-access-tokens &lt;list|create|revoke&gt; ...`: the admin API's initial access tokens from a
/// shell, against the configured database (<see cref="InitialAccessTokens"/>, same rules). Exit code 0 when done,
/// 1 when refused or failed, 2 for a bad command line.
/// </summary>
public static class InitialAccessTokensCommand
{
    public const string Name = "initial-access-tokens";

    public const string Usage = """
        Usage: IdentityServer initial-access-tokens <command> [options]
          list
          create --grant <authorization_code|refresh_token|client_credentials> (repeat)
                 --expires-in <seconds, or d.hh:mm:ss>
                 [--scope <scope> (repeat, or space-separated)]
                 [--redirect-uri-prefix <https URI ending in '/'> (repeat; every URI a client registers must lie under one)]
                 [--max-uses <n> (default 1: single use)]  [--description <text>]
          revoke <id>                              (no registration with it from now on; its clients stay)
        """;

    private static readonly Dictionary<string, string> OptionsByField = new()
    {
        ["grant_types"] = "--grant", ["scope"] = "--scope", ["redirect_uri_prefixes"] = "--redirect-uri-prefix",
        ["expires_in"] = "--expires-in", ["max_uses"] = "--max-uses", ["description"] = "--description",
    };

    public static async Task<int> RunAsync(IServiceProvider services, IReadOnlyList<string> args, TextWriter output, TextWriter errors)
    {
        if (Parse(args, out var request, out var usageError) is not { } verb)
        {
            await errors.WriteLineAsync($"error: {usageError}");
            await errors.WriteLineAsync(Usage);
            return 2;
        }

        await using var scope = services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<InitialAccessTokens>();
        try
        {
            switch (verb)
            {
                case "list":
                    foreach (var token in await store.ListAsync())
                    {
                        await output.WriteLineAsync(Describe(token));
                    }

                    return 0;
                case "revoke":
                    if (await store.RevokeAsync(args[1]))
                    {
                        await output.WriteLineAsync($"Revoked initial access token {args[1]}.");
                        return 0;
                    }

                    await errors.WriteLineAsync($"error: There is no initial access token \"{args[1]}\".");
                    return 1;
                default:
                    var (created, invalid) = await store.CreateAsync(request!);
                    if (created is null)
                    {
                        foreach (var (field, messages) in invalid!)
                        {
                            await errors.WriteLineAsync($"error: {OptionsByField.GetValueOrDefault(field, field)}: {string.Join(" ", messages)}");
                        }

                        return 1;
                    }

                    await output.WriteLineAsync($"Issued {Describe(created)}");
                    await output.WriteLineAsync($"initial_access_token: {created.Token}");
                    await output.WriteLineAsync("Store this token now: it will not be shown again (the server keeps only its SHA-256).");
                    return 0;
            }
        }
        catch (DbException exception)
        {
            await errors.WriteLineAsync($"error: The database cannot be used: {exception.Message}");
            return 1;
        }
    }

    private static string Describe(InitialAccessTokenView token) =>
        $"{token.Id}: grants {string.Join(' ', token.GrantTypes)}; scope {token.Scopes}; redirect URI prefixes "
        + $"{string.Join(' ', token.RedirectUriPrefixes)}; uses {token.Uses}/{token.MaxUses}; expires {token.ExpiresAt:u}"
        + (token.RevokedAt is { } revoked ? $"; revoked {revoked:u}" : "")
        + (token.Description.Length > 0 ? $"; {token.Description}" : "");

    /// <returns>The verb, with the request for create; null with <paramref name="error"/> for a bad command line.</returns>
    private static string? Parse(IReadOnlyList<string> args, out InitialAccessTokenRequest? request, out string? error)
    {
        request = null;
        error = args switch
        {
            [] => "A command is missing.",
            ["list"] or ["revoke", _] => null,
            ["list", ..] => "list takes no arguments.",
            ["revoke", ..] => "revoke needs exactly one initial access token id.",
            [not "create", ..] => $"Unknown command \"{args[0]}\".",
            _ => null,
        };
        if (error is not null || args[0] != "create")
        {
            return error is null ? args[0] : null;
        }

        var options = new Dictionary<string, List<string>>();
        for (var i = 1; i < args.Count; i++)
        {
            if (!OptionsByField.ContainsValue(args[i]))
            {
                error = $"Unknown option \"{args[i]}\".";
                return null;
            }

            if (i + 1 >= args.Count)
            {
                error = $"{args[i]} needs a value.";
                return null;
            }

            (options.TryGetValue(args[i], out var values) ? values : options[args[i]] = []).Add(args[++i]);
        }

        if (options.FirstOrDefault(option => option.Value.Count > 1 && option.Key is "--expires-in" or "--max-uses" or "--description").Key is { } twice)
        {
            error = $"{twice} is given twice.";
            return null;
        }

        string? Single(string option) => options.TryGetValue(option, out var values) ? values[0] : null;
        long? expiresIn = Single("--expires-in") is not { } lifetime ? null
            : long.TryParse(lifetime, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? seconds
            : TimeSpan.TryParse(lifetime, CultureInfo.InvariantCulture, out var span) ? (long)span.TotalSeconds
            : -1;
        int? maxUses = Single("--max-uses") is not { } uses ? null
            : int.TryParse(uses, NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : 0;
        request = new InitialAccessTokenRequest
        {
            Description = Single("--description"),
            GrantTypes = options.GetValueOrDefault("--grant"),
            Scopes = options.TryGetValue("--scope", out var scopes) ? string.Join(' ', scopes) : null,
            RedirectUriPrefixes = options.GetValueOrDefault("--redirect-uri-prefix"),
            ExpiresIn = expiresIn,
            MaxUses = maxUses,
        };
        return "create";
    }
}
