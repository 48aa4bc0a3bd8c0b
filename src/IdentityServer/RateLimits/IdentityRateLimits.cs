using System.Net;
using System.Net.Sockets;
using RedisJwt.ServiceDefaults.RateLimiting;

namespace RedisJwt.IdentityServer.RateLimits;

/// <summary>
/// The IdentityServer's limits, counted in Redis so they hold across all instances together. Defaults here;
/// RateLimits:Policies:{name} overrides them.
/// </summary>
public static class IdentityRateLimits
{
    /// <summary>
    /// Sign-in attempts per account (the login page, the password grant, /auth/login), whether the email exists or
    /// not. Fails closed, as sign-in does anyway without Redis (no session can be recorded).
    /// </summary>
    public const string SignInPerAccount = "sign-in-per-account";

    /// <summary>Sign-in attempts per client IP address, across accounts (password spraying).</summary>
    public const string SignInPerIp = "sign-in-per-ip";

    /// <summary>New accounts per client IP address (the registration page and POST /auth/register).</summary>
    public const string RegistrationsPerIp = "registrations-per-ip";

    /// <summary>
    /// Password reset and verification-resend requests, and reset attempts, per client IP address (pages and /auth
    /// alike): each may send an email, so one address cannot mail many inboxes. One inbox is protected by the
    /// dispatcher's per-recipient lock.
    /// </summary>
    public const string AccountEmailsPerIp = "account-emails-per-ip";

    /// <summary>
    /// Token endpoint requests per client_id (for a public client, per client_id and IP address). Fails open: a client_credentials token needs no Redis, and a
    /// client's machines should not all stop when the limit cannot be counted.
    /// </summary>
    public const string TokenRequestsPerClient = "token-requests-per-client";

    /// <summary>
    /// Client authentications that cost a secret hash or an unknown client's lookup, per client IP address, across
    /// clients (<see cref="ClientAuthenticationLimits"/>). Fails open, like the token requests: a client's machines
    /// should not all stop when Redis cannot count; secrets already seen to match are never counted.
    /// </summary>
    public const string ClientAuthPerIp = "client-auth-per-ip";

    /// <summary>The same per client_id and IP address: in effect the failed authentications of one client from one address.</summary>
    public const string ClientAuthPerClientIp = "client-auth-per-client-ip";

    /// <summary>Revocation requests per client (RFC 7009); for a public client, per client_id and IP address.</summary>
    public const string RevocationsPerClient = "revocations-per-client";

    /// <summary>
    /// Dynamic client registration (RFC 7591) and RFC 7592 calls per client IP address, good or bad: each may create a
    /// client, and none should be a guessing machine for tokens. Fails closed (a registration can wait).
    /// </summary>
    public const string ClientRegistrationsPerIp = "client-registrations-per-ip";

    /// <summary>
    /// User code lookups on the device verification page (RFC 8628 5.1), right or wrong, per client IP address. Fails
    /// closed: an unlimited guesser is what the limit is for, and approving a device can wait for Redis.
    /// </summary>
    public const string UserCodesPerIp = "user-codes-per-ip";

    /// <summary>The same per signed-in user: one account cannot try codes from many addresses.</summary>
    public const string UserCodesPerUser = "user-codes-per-user";

    public static IHostApplicationBuilder AddIdentityRateLimits(this IHostApplicationBuilder builder)
    {
        Declare(builder, SignInPerAccount, 10, TimeSpan.FromMinutes(15), RedisUnavailableBehavior.Reject);
        Declare(builder, SignInPerIp, 30, TimeSpan.FromMinutes(1), RedisUnavailableBehavior.Reject);
        Declare(builder, RegistrationsPerIp, 10, TimeSpan.FromHours(1), RedisUnavailableBehavior.Reject);
        Declare(builder, AccountEmailsPerIp, 20, TimeSpan.FromHours(1), RedisUnavailableBehavior.Reject);
        Declare(builder, TokenRequestsPerClient, 6000, TimeSpan.FromMinutes(1), RedisUnavailableBehavior.Allow);
        Declare(builder, ClientAuthPerIp, 120, TimeSpan.FromMinutes(1), RedisUnavailableBehavior.Allow);
        Declare(builder, ClientAuthPerClientIp, 20, TimeSpan.FromMinutes(10), RedisUnavailableBehavior.Allow);
        // A person approving a device needs two lookups (the code, then the decision); a guesser needs millions.
        Declare(builder, UserCodesPerIp, 30, TimeSpan.FromMinutes(10), RedisUnavailableBehavior.Reject);
        Declare(builder, UserCodesPerUser, 10, TimeSpan.FromMinutes(10), RedisUnavailableBehavior.Reject);
        // Revoking needs Redis anyway (nothing is revoked without it).
        Declare(builder, RevocationsPerClient, 600, TimeSpan.FromMinutes(1), RedisUnavailableBehavior.Reject);
        Declare(builder, ClientRegistrationsPerIp, 20, TimeSpan.FromHours(1), RedisUnavailableBehavior.Reject);
        builder.Services.AddOpenIddict().AddServer(options =>
        {
            options.AddEventHandler(ClientAuthenticationLimits.Descriptor);
            options.AddEventHandler(RevocationsPerClientLimit.Descriptor);
            options.AddEventHandler(StoredRequestsPerClientLimit.PushedAuthorizationDescriptor)
                .AddEventHandler(StoredRequestsPerClientLimit.DeviceAuthorizationDescriptor);
        });
        builder.AddDistributedRateLimits();
        builder.Services.AddSingleton<SignInLimits>();
        return builder;
    }

    private static void Declare(IHostApplicationBuilder builder, string name, int permits, TimeSpan window,
        RedisUnavailableBehavior whenRedisUnavailable) =>
        builder.AddRateLimitPolicy(name, policy =>
        {
            policy.PermitLimit = permits;
            policy.Window = window;
            policy.WhenRedisUnavailable = whenRedisUnavailable;
        });

    /// <summary>
    /// The partition for per-IP policies: the client's IPv4 address, or its IPv6 /64 (one subscriber gets a whole
    /// /64, and could otherwise rotate through it). Behind a load balancer this is the client's address only when the
    /// balancer is a trusted proxy (ForwardedHeaders settings, TrustedProxies); otherwise it is the balancer's.
    /// </summary>
    public static string? ClientIp(HttpContext context) => ClientNetwork(context.Connection.RemoteIpAddress);

    public static string? ClientNetwork(IPAddress? address)
    {
        if (address is null)
        {
            return null;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return $"{new IPAddress(bytes)}/64";
    }
}
