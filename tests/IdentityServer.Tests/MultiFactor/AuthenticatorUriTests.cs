using System.Text;
using RedisJwt.IdentityServer.MultiFactor;

namespace RedisJwt.IdentityServer.Tests.MultiFactor;

public sealed class AuthenticatorUriTests
{
    private const string Key = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

    [Fact]
    public void For_PlainNames_KeyUriFormat() =>
        Assert.Equal($"otpauth://totp/RedisJwt:alice%40example.test?secret={Key}&issuer=RedisJwt&digits=6&period=30",
            AuthenticatorUri.For("RedisJwt", "alice@example.test", Key));

    [Fact]
    public void For_ColonSpaceAmpersandInNames_EachPartEscaped()
    {
        var uri = AuthenticatorUri.For("Acme: Sign & In", "a+b c@example.test", Key);

        // The label keeps exactly one separating colon; the query exactly its own parameters.
        Assert.Equal("otpauth://totp/Acme%3A%20Sign%20%26%20In:a%2Bb%20c%40example.test"
            + $"?secret={Key}&issuer=Acme%3A%20Sign%20%26%20In&digits=6&period=30", uri);
        var parsed = new Uri(uri);
        Assert.Equal(["secret", "issuer", "digits", "period"],
            parsed.Query.TrimStart('?').Split('&').Select(parameter => parameter.Split('=')[0]));
        Assert.Equal("Acme: Sign & In", Uri.UnescapeDataString(parsed.Query.Split("issuer=")[1].Split('&')[0]));
    }

    [Fact]
    public void QrCodeDataUri_SvgImage_NonTrivial_NothingExternal()
    {
        var dataUri = AuthenticatorUri.QrCodeDataUri(AuthenticatorUri.For("RedisJwt", "alice@example.test", Key));

        const string Scheme = "data:image/svg+xml;base64,";
        Assert.StartsWith(Scheme, dataUri);
        var svg = Encoding.UTF8.GetString(Convert.FromBase64String(dataUri[Scheme.Length..]));
        Assert.StartsWith("<svg", svg.TrimStart());
        Assert.EndsWith("</svg>", svg.TrimEnd());
        Assert.Equal(AuthenticatorUri.QrCodeSvg(AuthenticatorUri.For("RedisJwt", "alice@example.test", Key)), svg);
        // A QR code of a ~100-character URI has hundreds of dark modules.
        Assert.True(svg.Length > 2000, $"{svg.Length} characters");
        Assert.Contains(" d=\"", svg);
        Assert.DoesNotContain("href", svg, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<image", svg, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", svg, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<script", svg, StringComparison.OrdinalIgnoreCase);
    }
}
