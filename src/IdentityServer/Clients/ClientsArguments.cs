using System.Text.Json;

namespace RedisJwt.IdentityServer.Clients;

/// <summary>The parsed command line of `IdentityServer clients ...` (see <see cref="ClientsCommand"/>).</summary>
public sealed class ClientsArguments
{
    public const string Usage = """
        Usage: IdentityServer clients <command> [options]
          list
          show <client-id>
          add --client-id <id> --type public|confidential [client options]
          update <client-id> [client options]      (only the options given change; a list option replaces that list)
          remove <client-id>                       (revokes every token of the client)
          rotate-secret <client-id>                (a confidential client's new secret; the old one stops working)
        Client options:
          --name <display name>  --consent implicit|explicit (default explicit)
          --grant <authorization_code|refresh_token|client_credentials|urn:ietf:params:oauth:grant-type:device_code|
                   urn:ietf:params:oauth:grant-type:token-exchange> (repeat)
          --redirect-uri <uri> (repeat)  --post-logout-redirect-uri <uri> (repeat)
          --scope <scope> (repeat, or space-separated)  --introspection | --no-introspection
          --require-auth-time | --no-require-auth-time   (ID tokens always carry auth_time)
          --require-mfa | --no-require-mfa               (every sign-in to the client is multi-factor)
          --require-par | --no-require-par               (authorization requests only pushed, RFC 9126)
          --require-dpop | --no-require-dpop             (every token request carries a DPoP proof, RFC 9449)
          --backchannel-logout-uri <uri>                 (logout tokens POSTed there; "" removes it)
          --backchannel-logout-session-required | --no-backchannel-logout-session-required
          --frontchannel-logout-uri <uri>                (loaded in an iframe at logout; "" removes it)
          --frontchannel-logout-session-required | --no-frontchannel-logout-session-required
          --token-endpoint-auth-method <client_secret_basic|client_secret_post|private_key_jwt|none>
          --jwks <JWK Set JSON>  --jwks-uri <https uri>   (private_key_jwt: the client's public keys; "" removes)
          --token-exchange-audience <resource> (repeat)  (APIs it may exchange users' tokens towards, RFC 8693)
        """;

    private static readonly string[] Verbs = ["list", "show", "add", "update", "remove", "rotate-secret"];

    /// <summary>Each option, and the <see cref="ClientRegistration"/> property it sets.</summary>
    public static readonly IReadOnlyDictionary<string, string> OptionsByField = new Dictionary<string, string>
    {
        [nameof(ClientRegistration.ClientId)] = "--client-id",
        [nameof(ClientRegistration.DisplayName)] = "--name",
        [nameof(ClientRegistration.Type)] = "--type",
        [nameof(ClientRegistration.ConsentType)] = "--consent",
        [nameof(ClientRegistration.GrantTypes)] = "--grant",
        [nameof(ClientRegistration.RedirectUris)] = "--redirect-uri",
        [nameof(ClientRegistration.PostLogoutRedirectUris)] = "--post-logout-redirect-uri",
        [nameof(ClientRegistration.Scopes)] = "--scope",
        [nameof(ClientRegistration.Introspection)] = "--introspection",
        [nameof(ClientRegistration.RequireAuthTime)] = "--require-auth-time",
        [nameof(ClientRegistration.RequireMfa)] = "--require-mfa",
        [nameof(ClientRegistration.RequirePushedAuthorizationRequests)] = "--require-par",
        [nameof(ClientRegistration.RequireDPoP)] = "--require-dpop",
        [nameof(ClientRegistration.BackChannelLogoutUri)] = "--backchannel-logout-uri",
        [nameof(ClientRegistration.BackChannelLogoutSessionRequired)] = "--backchannel-logout-session-required",
        [nameof(ClientRegistration.FrontChannelLogoutUri)] = "--frontchannel-logout-uri",
        [nameof(ClientRegistration.FrontChannelLogoutSessionRequired)] = "--frontchannel-logout-session-required",
        [nameof(ClientRegistration.TokenEndpointAuthMethod)] = "--token-endpoint-auth-method",
        [nameof(ClientRegistration.Jwks)] = "--jwks",
        [nameof(ClientRegistration.JwksUri)] = "--jwks-uri",
        [nameof(ClientRegistration.TokenExchangeAudiences)] = "--token-exchange-audience",
    };

    // On/off options: --introspection and --no-introspection, and so on.
    private static readonly string[] Flags = ["--introspection", "--require-auth-time", "--require-mfa", "--require-par", "--require-dpop",
        "--backchannel-logout-session-required", "--frontchannel-logout-session-required"];

    private static readonly HashSet<string> ListOptions = ["--grant", "--redirect-uri", "--post-logout-redirect-uri", "--scope",
        "--token-exchange-audience"];

    public string Verb { get; private init; } = "";

    public string? ClientId { get; private set; }

    /// <summary>The client options given, by option name (a flag has the value "true" or "false").</summary>
    public Dictionary<string, List<string>> Options { get; } = [];

    public bool Has(string option) => Options.ContainsKey(option);

    /// <returns>The arguments, or null with <paramref name="error"/> saying what is wrong.</returns>
    public static ClientsArguments? Parse(IReadOnlyList<string> args, out string? error)
    {
        error = null;
        if (args.Count == 0 || !Verbs.Contains(args[0]))
        {
            error = args.Count == 0 ? "A command is missing." : $"Unknown command \"{args[0]}\".";
            return null;
        }

        var parsed = new ClientsArguments { Verb = args[0] };
        for (var i = 1; i < args.Count && error is null; i++)
        {
            error = parsed.Take(args, ref i);
        }

        error ??= parsed.Check();
        return error is null ? parsed : null;
    }

    private string? Take(IReadOnlyList<string> args, ref int i)
    {
        var arg = args[i];
        if (!arg.StartsWith("--", StringComparison.Ordinal))
        {
            if (ClientId is not null)
            {
                return $"Unexpected argument \"{arg}\".";
            }

            ClientId = arg;
            return null;
        }

        var (name, inline) = arg.IndexOf('=', StringComparison.Ordinal) is var equals and > 0
            ? (arg[..equals], arg[(equals + 1)..])
            : (arg, null);
        if (Flags.FirstOrDefault(flag => name == flag || name == "--no-" + flag[2..]) is { } flag)
        {
            return inline is null ? Set(flag, name == flag ? "true" : "false") : $"{name} takes no value.";
        }

        if (!OptionsByField.Values.Contains(name))
        {
            return $"Unknown option \"{name}\".";
        }

        var value = inline ?? (i + 1 < args.Count ? args[++i] : null);
        if (value is null)
        {
            return $"{name} needs a value.";
        }

        if (name == "--client-id")
        {
            if (ClientId is not null)
            {
                return "The client id is given twice.";
            }

            ClientId = value;
            return null;
        }

        return Set(name, value);
    }

    private string? Set(string option, string value)
    {
        if (Options.TryGetValue(option, out var values))
        {
            if (!ListOptions.Contains(option))
            {
                return $"{option} is given twice.";
            }

            values.Add(value);
        }
        else
        {
            Options[option] = [value];
        }

        return null;
    }

    private string? Check() => Verb switch
    {
        "list" when ClientId is not null || Options.Count > 0 => "list takes no arguments.",
        "list" => null,
        _ when string.IsNullOrEmpty(ClientId) => $"{Verb} needs a client id.",
        "show" or "remove" or "rotate-secret" when Options.Count > 0 => $"{Verb} takes no options besides the client id.",
        "add" when !Has("--type") => "add needs --type public or --type confidential.",
        "update" when Options.Count == 0 => "update needs at least one option to change.",
        "update" when Has("--type") => "The type of a client cannot change; remove it and add it anew.",
        _ when Options.TryGetValue("--jwks", out var jwks) && jwks[0].Length > 0 && !IsJsonObject(jwks[0]) => "--jwks needs a JWK Set as JSON text.",
        _ => null,
    };

    private static bool IsJsonObject(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The given options applied over <paramref name="current"/> (a new registration for add).</summary>
    public ClientRegistration Apply(ClientRegistration current)
    {
        List<string>? List(string option, List<string>? value) => Options.TryGetValue(option, out var given) ? given : value;
        string? Single(string option, string? value) => Options.TryGetValue(option, out var given) ? given[0] : value;

        current.ClientId = ClientId;
        current.DisplayName = Single("--name", current.DisplayName);
        current.Type = Single("--type", current.Type);
        current.ConsentType = Single("--consent", current.ConsentType);
        current.GrantTypes = List("--grant", current.GrantTypes);
        current.RedirectUris = List("--redirect-uri", current.RedirectUris);
        current.PostLogoutRedirectUris = List("--post-logout-redirect-uri", current.PostLogoutRedirectUris);
        current.Scopes = List("--scope", null) is { } scopes ? string.Join(' ', scopes) : current.Scopes;
        current.Introspection = Single("--introspection", null) is { } introspection ? introspection == "true" : current.Introspection;
        current.RequireAuthTime = Single("--require-auth-time", null) is { } requireAuthTime ? requireAuthTime == "true" : current.RequireAuthTime;
        current.RequireMfa = Single("--require-mfa", null) is { } requireMfa ? requireMfa == "true" : current.RequireMfa;
        current.RequirePushedAuthorizationRequests = Single("--require-par", null) is { } requirePar
            ? requirePar == "true"
            : current.RequirePushedAuthorizationRequests;
        current.RequireDPoP = Single("--require-dpop", null) is { } requireDPoP ? requireDPoP == "true" : current.RequireDPoP;
        current.BackChannelLogoutUri = Single("--backchannel-logout-uri", current.BackChannelLogoutUri);
        current.BackChannelLogoutSessionRequired = Single("--backchannel-logout-session-required", null) is { } backSid
            ? backSid == "true"
            : current.BackChannelLogoutSessionRequired;
        current.TokenEndpointAuthMethod = Single("--token-endpoint-auth-method", current.TokenEndpointAuthMethod);
        current.Jwks = Single("--jwks", null) is { } jwks ? (jwks.Length == 0 ? null : JsonDocument.Parse(jwks).RootElement.Clone()) : current.Jwks;
        current.JwksUri = Single("--jwks-uri", current.JwksUri);
        current.FrontChannelLogoutUri = Single("--frontchannel-logout-uri", current.FrontChannelLogoutUri);
        current.FrontChannelLogoutSessionRequired = Single("--frontchannel-logout-session-required", null) is { } frontSid
            ? frontSid == "true"
            : current.FrontChannelLogoutSessionRequired;
        current.TokenExchangeAudiences = List("--token-exchange-audience", current.TokenExchangeAudiences);
        return current;
    }
}
