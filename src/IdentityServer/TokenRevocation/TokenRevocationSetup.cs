using OpenIddict.Server;
using RedisJwt.IdentityServer.Sessions;
using RedisJwt.Revocation;

namespace RedisJwt.IdentityServer.TokenRevocation;

public static class TokenRevocationSetup
{
    /// <summary>Sessions and revocations in Redis, and the OpenIddict steps that write them.</summary>
    public static IHostApplicationBuilder AddTokenRevocation(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRevocationWriter();
        builder.Services.AddScoped<Revoker>();
        builder.Services.AddSingleton<RequireRedeemedGrant>();
        builder.Services.AddSingleton<RequireRefreshTokenPresented>();
        builder.Services.AddOpenIddict().AddServer(options =>
        {
            options.AddEventHandler(RecordRevokedToken.Descriptor);
            options.AddEventHandler(RevocationRecordedResponse.Descriptor);
            options.AddEventHandler(DetectRedeemedTokenReuse.Descriptor);
            options.AddEventHandler(RevokeFamilyOfRotatedRefreshToken.Descriptor);
            options.AddEventHandler(ReleaseRedemptionClaim.Descriptor);
            options.AddEventHandler(NoTokenRowForClientCredentials.Descriptor);
            options.AddEventHandler(RevokedTokensInactive.Descriptor);
            options.AddEventHandler(UnavailableStatus<OpenIddictServerEvents.ApplyRevocationResponseContext>.Descriptor);
            options.AddEventHandler(UnavailableStatus<OpenIddictServerEvents.ApplyTokenResponseContext>.Descriptor);
            options.AddEventHandler(UnavailableStatus<OpenIddictServerEvents.ApplyIntrospectionResponseContext>.Descriptor);
            options.AddEventHandler(UnavailableStatus<OpenIddictServerEvents.ApplyUserInfoResponseContext>.Descriptor);
            options.AddEventHandler(UnavailableStatus<OpenIddictServerEvents.ApplyPushedAuthorizationResponseContext>.Descriptor);
            options.AddEventHandler(UnavailableStatus<OpenIddictServerEvents.ApplyDeviceAuthorizationResponseContext>.Descriptor);
        });
        return builder;
    }
}
