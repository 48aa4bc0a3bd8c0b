using System.Text;
using QRCoder;

namespace RedisJwt.IdentityServer.MultiFactor;

/// <summary>
/// The otpauth:// URI an authenticator app scans (Google's Key URI Format, which every common app reads), and its QR
/// code as an image the pages' CSP allows (img-src 'self' data:).
/// </summary>
public static class AuthenticatorUri
{
    /// <summary>
    /// <c>otpauth://totp/Issuer:email?secret=KEY&amp;issuer=Issuer&amp;digits=6&amp;period=30</c>, each part percent-encoded
    /// (a colon or a space in the issuer or the address would otherwise split or end the label).
    /// </summary>
    public static string For(string issuerName, string accountEmail, string base32Key)
    {
        var issuer = Uri.EscapeDataString(issuerName);
        return $"otpauth://totp/{issuer}:{Uri.EscapeDataString(accountEmail)}?secret={Uri.EscapeDataString(base32Key)}"
            + $"&issuer={issuer}&digits=6&period=30";
    }

    /// <summary>The QR code as a standalone SVG document: paths and fills only, nothing it loads.</summary>
    public static string QrCodeSvg(string uri)
    {
        // Level M: the image is shown on a screen, not printed and scuffed; a lower level keeps the code small.
        using var data = QRCodeGenerator.GenerateQrCode(uri, QRCodeGenerator.ECCLevel.M);
        using var svg = new SvgQRCode(data);
        return svg.GetGraphic(4);
    }

    /// <summary>
    /// The SVG as a data: URI for &lt;img src&gt;: the pages allow no inline style attributes, which an SVG loaded as an image
    /// may still carry (it is rendered as an isolated document).
    /// </summary>
    public static string QrCodeDataUri(string uri) =>
        "data:image/svg+xml;base64," + Convert.ToBase64String(Encoding.UTF8.GetBytes(QrCodeSvg(uri)));
}
