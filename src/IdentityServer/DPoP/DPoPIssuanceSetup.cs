using RedisJwt.Revocation.DPoP;

namespace RedisJwt.IdentityServer.DPoP;

public static class DPoPIssuanceSetup
{
    /// <summary>
    /// DPoP at the token endpoint (RFC 9449): proofs checked by the resource servers' own validator, server nonces,
    /// bound tokens, <c>token_type=DPoP</c>, and the algorithms in discovery.
    /// </summary>
    public static IHostApplicationBuilder AddDPoPIssuance(this IHostApplicationBuilder builder)
    {
        builder.Services.AddDPoPProofs();
        builder.Services.AddSingleton<DPoPNonces>();
        builder.Services.AddScoped<TokenRequestProofs>();
        builder.Services.AddOpenIddict().AddServer(options => options
            .AddEventHandler(BindIssuedTokens.Descriptor)
            .AddEventHandler(AnswerDPoPTokens.Descriptor)
            .AddEventHandler(AdvertiseDPoP.Descriptor));
        return builder;
    }
}
