using System.Data.Common;
using StackExchange.Redis;

namespace RedisJwt.IdentityServer.Clients;

/// <summary>
/// `IdentityServer clients &lt;list|show|add|update|remove|rotate-secret&gt; ...`: the admin API's operations from a shell,
/// against the configured database and Redis (<see cref="ClientRegistry"/>, same rules). Exit code 0 when done,
/// 1 when refused or failed, 2 for a bad command line.
/// </summary>
public static class ClientsCommand
{
    public const string Name = "clients";

    public static async Task<int> RunAsync(IServiceProvider services, IReadOnlyList<string> args, TextWriter output, TextWriter errors)
    {
        if (ClientsArguments.Parse(args, out var usageError) is not { } parsed)
        {
            await errors.WriteLineAsync($"error: {usageError}");
            await errors.WriteLineAsync(ClientsArguments.Usage);
            return 2;
        }

        await using var scope = services.CreateAsyncScope();
        var registry = scope.ServiceProvider.GetRequiredService<ClientRegistry>();
        try
        {
            return parsed.Verb switch
            {
                "list" => await ListAsync(registry, output),
                "show" => await registry.GetAsync(parsed.ClientId!) is { } client
                    ? await ShowAsync(client, output)
                    : await FailAsync(errors, $"There is no client \"{parsed.ClientId}\"."),
                "add" => await ReportAsync(await registry.CreateAsync(parsed.Apply(new ClientRegistration())), output, errors, "Registered"),
                "update" => await UpdateAsync(registry, parsed, output, errors),
                "remove" => await ReportAsync(await registry.RemoveAsync(parsed.ClientId!), output, errors, $"Removed client {parsed.ClientId}"),
                _ => await ReportAsync(await registry.RotateSecretAsync(parsed.ClientId!), output, errors, "New secret for"),
            };
        }
        catch (Exception exception) when (exception is DbException or RedisException or TimeoutException)
        {
            return await FailAsync(errors, $"The database or Redis cannot be used: {exception.Message}");
        }
    }

    private static async Task<int> UpdateAsync(ClientRegistry registry, ClientsArguments parsed, TextWriter output, TextWriter errors) =>
        await registry.GetAsync(parsed.ClientId!) is { } current
            ? await ReportAsync(await registry.UpdateAsync(parsed.ClientId!, parsed.Apply(current.ToRegistration())), output, errors, "Updated")
            : await FailAsync(errors, $"There is no client \"{parsed.ClientId}\".");

    private static async Task<int> ReportAsync(ClientResult result, TextWriter output, TextWriter errors, string done)
    {
        if (result.Outcome == ClientOutcome.Invalid)
        {
            foreach (var (field, messages) in result.Errors!)
            {
                await errors.WriteLineAsync($"error: {ClientsArguments.OptionsByField.GetValueOrDefault(field, field)}: {string.Join(" ", messages)}");
            }

            return 1;
        }

        if (result.Outcome != ClientOutcome.Done)
        {
            return await FailAsync(errors, result.Detail ?? result.Outcome.ToString());
        }

        if (result.Client is not { } client)
        {
            await output.WriteLineAsync($"{done}; every token it held is revoked.");
            return 0;
        }

        await output.WriteLineAsync($"{done} client {client.ClientId}.");
        await ShowAsync(client, output);
        if (client.ClientSecret is { } secret)
        {
            await output.WriteLineAsync($"client_secret: {secret}");
            await output.WriteLineAsync("Store this secret now: it will not be shown again (the server keeps only a hash of it).");
        }

        return 0;
    }

    private static async Task<int> ShowAsync(ClientView client, TextWriter output)
    {
        string[] lines =
        [
            $"client_id: {client.ClientId}",
            $"client_name: {client.DisplayName}",
            $"client_type: {client.Type}",
            $"consent_type: {client.ConsentType}",
            $"grant_types: {string.Join(' ', client.GrantTypes)}",
            $"redirect_uris: {string.Join(' ', client.RedirectUris)}",
            $"post_logout_redirect_uris: {string.Join(' ', client.PostLogoutRedirectUris)}",
            $"scope: {client.Scopes}",
            $"introspection: {(client.Introspection ? "yes" : "no")}",
            $"require_auth_time: {(client.RequireAuthTime ? "yes" : "no")}",
            $"require_mfa: {(client.RequireMfa ? "yes" : "no")}",
            $"require_pushed_authorization_requests: {(client.RequirePushedAuthorizationRequests ? "yes" : "no")}",
            $"dpop_bound_access_tokens: {(client.RequireDPoP ? "yes" : "no")}",
            $"backchannel_logout_uri: {client.BackChannelLogoutUri}",
            $"backchannel_logout_session_required: {(client.BackChannelLogoutSessionRequired ? "yes" : "no")}",
            $"frontchannel_logout_uri: {client.FrontChannelLogoutUri}",
            $"frontchannel_logout_session_required: {(client.FrontChannelLogoutSessionRequired ? "yes" : "no")}",
            $"token_endpoint_auth_method: {client.TokenEndpointAuthMethod}",
            $"jwks: {string.Join(' ', client.Jwks is { } jwks ? jwks.GetProperty("keys").EnumerateArray().Select(KeyName) : [])}",
            $"jwks_uri: {client.JwksUri}",
            $"token_exchange_audiences: {string.Join(' ', client.TokenExchangeAudiences)}",
            $"managed_by_configuration: {(client.ManagedByConfiguration ? "yes (Seed:Clients)" : "no")}",
        ];
        foreach (var line in lines)
        {
            await output.WriteLineAsync(line);
        }

        return 0;
    }

    // A registered key by its kid, or its type when it has none.
    private static string KeyName(System.Text.Json.JsonElement key) =>
        key.TryGetProperty("kid", out var kid) ? kid.GetString()! : key.GetProperty("kty").GetString()!;

    private static async Task<int> ListAsync(ClientRegistry registry, TextWriter output)
    {
        string[][] rows =
        [
            ["CLIENT_ID", "TYPE", "CONSENT", "GRANTS", "SCOPE", "SEEDED"],
            .. (await registry.ListAsync()).Select(client => new[]
            {
                client.ClientId, client.Type, client.ConsentType, string.Join(',', client.GrantTypes), client.Scopes,
                client.ManagedByConfiguration ? "yes" : "no",
            }),
        ];
        var widths = Enumerable.Range(0, rows[0].Length).Select(column => rows.Max(row => row[column].Length)).ToArray();
        foreach (var row in rows)
        {
            await output.WriteLineAsync(string.Join("  ", row.Select((cell, column) => cell.PadRight(widths[column]))).TrimEnd());
        }

        return 0;
    }

    private static async Task<int> FailAsync(TextWriter errors, string message)
    {
        await errors.WriteLineAsync($"error: {message}");
        return 1;
    }
}
