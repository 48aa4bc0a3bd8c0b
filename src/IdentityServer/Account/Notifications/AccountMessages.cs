using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using RedisJwt.IdentityServer.Connect;
using RedisJwt.IdentityServer.Data;
using RedisJwt.IdentityServer.Messages;

namespace RedisJwt.IdentityServer.Account.Notifications;

/// <summary>
/// The account emails, worded in one place: each to the user's email, routed by their birthdate. Links are absolute,
/// on the issuer, and carry the token base64url-encoded.
/// </summary>
public sealed class AccountMessages(IOptions<ServerSettings> server)
{
    public const string ConfirmEmailPath = "/Account/ConfirmEmail";
    public const string ResetPasswordPath = "/Account/ResetPassword";
    public const string TwoFactorPath = "/Account/TwoFactor";

    public OutgoingMessage EmailVerification(ApplicationUser user, string token) => To(user, MessageKinds.EmailVerification,
        "Confirm your email address",
        $"""
        {Greeting(user)}

        Confirm the email address of your RedisJwt account by opening this link:

        {Link(ConfirmEmailPath, user, token)}

        If you did not create an account, ignore this message.
        """);

    public OutgoingMessage PasswordReset(ApplicationUser user, string token, TimeSpan lifetime) => To(user, MessageKinds.PasswordReset,
        "Reset your password",
        $"""
        {Greeting(user)}

        Someone (we hope you) asked to reset the password of your RedisJwt account. Choose a new one here, within {Describe(lifetime)}:

        {Link(ResetPasswordPath, user, token)}

        The link works once. If you did not ask for it, ignore this message: your password stays as it is.
        """);

    public OutgoingMessage PasswordChanged(ApplicationUser user) => To(user, MessageKinds.PasswordChanged,
        "Your password was changed",
        $"""
        {Greeting(user)}

        The password of your RedisJwt account was just changed, and your other sessions have been signed out.

        If this was not you, reset your password now: {Issuer}Account/ForgotPassword
        """);

    public OutgoingMessage NewSignIn(ApplicationUser user, string device, DateTimeOffset at) => To(user, MessageKinds.NewSignIn,
        "New sign-in to your account",
        $"""
        {Greeting(user)}

        Your RedisJwt account was signed in to from a device or network not seen before:

        {device}, at {at:yyyy-MM-dd HH:mm} UTC

        If this was you, there is nothing to do. If not, change your password and end the session: {Issuer}Account/Security
        """);

    public OutgoingMessage RefreshTokenReuse(ApplicationUser user, string? clientId) => To(user, MessageKinds.RefreshTokenReuse,
        "A sign-in of yours was used twice and has been ended",
        $"""
        {Greeting(user)}

        A refresh token of your account{(clientId is null ? "" : $" (app: {clientId})")} was presented a second time, which means someone else may hold a copy. Every token of that sign-in has been revoked; the app will ask you to sign in again.

        If this keeps happening, change your password and review your sessions: {Issuer}Account/Security
        """);

    public OutgoingMessage SecondFactorAdded(ApplicationUser user, string factor) => To(user, MessageKinds.SecondFactorAdded,
        "A sign-in method was added to your account",
        $"""
        {Greeting(user)}

        {factor} was just added to your RedisJwt account. It can now be used to sign in.

        If this was not you, someone has your password: reset it now ({Issuer}Account/ForgotPassword), then review your
        sign-in methods: {Issuer}{TwoFactorPath.TrimStart('/')}
        """);

    public OutgoingMessage SecondFactorRemoved(ApplicationUser user, string factor) => To(user, MessageKinds.SecondFactorRemoved,
        "A sign-in method was removed from your account",
        $"""
        {Greeting(user)}

        {factor} was just removed from your RedisJwt account and can no longer be used to sign in.

        If this was not you, reset your password now: {Issuer}Account/ForgotPassword
        """);

    public OutgoingMessage MultiFactorTurnedOff(ApplicationUser user) => To(user, MessageKinds.MultiFactorTurnedOff,
        "Two-factor sign-in was turned off",
        $"""
        {Greeting(user)}

        Two-factor sign-in was just turned off for your RedisJwt account: its authenticator app, passkeys and recovery
        codes were removed, and a password alone now signs in.

        If this was not you, reset your password now ({Issuer}Account/ForgotPassword) and turn it on again.
        """);

    public OutgoingMessage RecoveryCodeUsed(ApplicationUser user, int codesLeft) => To(user, MessageKinds.RecoveryCodeUsed,
        "A recovery code was used to sign in",
        $"""
        {Greeting(user)}

        A recovery code was just used to sign in to your RedisJwt account. It cannot be used again; {codesLeft} remain.

        If this was not you, reset your password now ({Issuer}Account/ForgotPassword) and create new recovery codes:
        {Issuer}{TwoFactorPath.TrimStart('/')}
        """);

    public OutgoingMessage RecoveryCodesReplaced(ApplicationUser user) => To(user, MessageKinds.RecoveryCodesReplaced,
        "New recovery codes were created",
        $"""
        {Greeting(user)}

        New recovery codes were just created for your RedisJwt account; the old ones no longer work.

        If this was not you, reset your password now: {Issuer}Account/ForgotPassword
        """);

    /// <summary>Instead of a second account: whoever registered learns nothing, the owner hears of it.</summary>
    public OutgoingMessage RegistrationAttempt(ApplicationUser user) => To(user, MessageKinds.RegistrationAttempt,
        "Someone tried to create an account with your email",
        $"""
        {Greeting(user)}

        Someone (perhaps you) tried to create a RedisJwt account with this email address, which already has one. No second
        account was created.

        To use your account, sign in: {Issuer}Account/Login
        Forgot the password, or never created this account? Reset the password: {Issuer}Account/ForgotPassword
        The reset link comes to this address, so it also confirms the address as yours and signs everyone else out.
        """);

    private Uri Issuer => server.Value.Issuer!;

    // The display name is whoever registered's to choose: until the address's owner has confirmed it, it is not theirs,
    // and this server must not carry a stranger's words ("call this number") into their inbox.
    private static string Greeting(ApplicationUser user) => user.EmailConfirmed ? $"Hello {user.DisplayName}," : "Hello,";

    private string Link(string path, ApplicationUser user, string token) =>
        new Uri(Issuer, $"{path.TrimStart('/')}?userId={Uri.EscapeDataString(user.Id)}&code={EncodeToken(token)}").ToString();

    /// <summary>Identity's tokens are base64 with '+' and '/': base64url keeps them intact in a URL.</summary>
    public static string EncodeToken(string token) => WebEncoders.Base64UrlEncode(System.Text.Encoding.UTF8.GetBytes(token));

    /// <returns>The token, or null when <paramref name="code"/> is not base64url.</returns>
    public static string? DecodeToken(string? code)
    {
        if (string.IsNullOrEmpty(code) || code.Length > 4096)
        {
            return null;
        }

        try
        {
            return System.Text.Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(code));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string Describe(TimeSpan lifetime) =>
        lifetime.TotalMinutes < 1 ? $"{(int)lifetime.TotalSeconds} seconds"
        : lifetime.TotalHours < 2 ? $"{(int)lifetime.TotalMinutes} minutes"
        : lifetime.TotalDays < 2 ? $"{(int)lifetime.TotalHours} hours"
        : $"{(int)lifetime.TotalDays} days";

    private static OutgoingMessage To(ApplicationUser user, string kind, string subject, string text) =>
        new(kind, MessageChannels.Email, user.Email!, subject, text, user.Id, user.BirthDate);
}
