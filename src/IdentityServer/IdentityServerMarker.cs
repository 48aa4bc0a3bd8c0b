namespace RedisJwt.IdentityServer;

/// <summary>
/// Names this assembly for WebApplicationFactory; two top-level <c>Program</c> classes
/// (IdentityServer and BoardApi) would collide in one test assembly.
/// </summary>
public sealed class IdentityServerMarker;
