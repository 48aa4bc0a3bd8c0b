namespace RedisJwt.BoardApi;

/// <summary>Names this assembly for WebApplicationFactory: two top-level Programs would collide in one test assembly.</summary>
public sealed class BoardApiMarker;
