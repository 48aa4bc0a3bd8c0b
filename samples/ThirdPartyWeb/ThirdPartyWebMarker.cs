namespace AcmePlanner;

/// <summary>Names this app's assembly for WebApplicationFactory (every app's Program class is called Program).</summary>
public sealed class ThirdPartyWebMarker;
