using Microsoft.Extensions.Options;
using RedisJwt.IdentityServer.Connect;

namespace RedisJwt.IdentityServer.Clients;

/// <summary>
/// Each API scope's resource (<c>Seed:ApiScopes:&lt;scope&gt;:Resource</c>) is a resource identifier (RFC 8707 2): an
/// absolute URI without a fragment, in its normal form, since a request's <c>resource</c> and a resource server's
/// audience must match it character for character. The scopes of this server's own APIs get theirs from the issuer
/// (<see cref="OwnApiResources"/>); configuring another one for them is refused.
/// </summary>
public sealed class ApiScopeResources(IOptions<ServerSettings> server) : IPostConfigureOptions<SeedOptions>, IValidateOptions<SeedOptions>
{
    public void PostConfigure(string? name, SeedOptions options)
    {
        if (server.Value.Issuer is not { IsAbsoluteUri: true } issuer)
        {
            return;
        }

        foreach (var (scope, resource) in OwnApiResources.ByScope(issuer))
        {
            if (options.ApiScopes.TryGetValue(scope, out var seed) && string.IsNullOrEmpty(seed.Resource))
            {
                seed.Resource = resource;
            }
        }
    }

    public ValidateOptionsResult Validate(string? name, SeedOptions options)
    {
        var own = server.Value.Issuer is { IsAbsoluteUri: true } issuer
            ? OwnApiResources.ByScope(issuer)
            : new Dictionary<string, string>();
        var failures = new List<string>();
        foreach (var (scope, seed) in options.ApiScopes)
        {
            var setting = $"{SeedOptions.Section}:ApiScopes:{scope}:Resource";
            if (own.TryGetValue(scope, out var expected))
            {
                if (seed.Resource != expected)
                {
                    failures.Add($"{setting} is {expected}, derived from Server:Issuer; leave it unset, not \"{seed.Resource}\".");
                }
            }
            else if (string.IsNullOrWhiteSpace(seed.Resource))
            {
                failures.Add($"{setting} is required: the resource identifier of the API the scope is for, its public base URL "
                    + "(e.g. https://api.example.com/), which that API takes as its audience (BoardApi: Auth:Audience).");
            }
            else if (!Uri.TryCreate(seed.Resource, UriKind.Absolute, out var uri) || uri.IsFile || uri.Fragment.Length > 0)
            {
                failures.Add($"{setting} \"{seed.Resource}\" must be an absolute URI without a fragment (RFC 8707 2).");
            }
            else if (uri.AbsoluteUri != seed.Resource)
            {
                failures.Add($"{setting} \"{seed.Resource}\" must be written in its normal form, \"{uri.AbsoluteUri}\".");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
