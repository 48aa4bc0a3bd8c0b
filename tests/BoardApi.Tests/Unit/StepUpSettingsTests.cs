using System.ComponentModel.DataAnnotations;
using RedisJwt.BoardApi.Auth;

namespace RedisJwt.BoardApi.Tests.Unit;

public sealed class StepUpSettingsTests
{
    [Theory]
    [InlineData("00:00:01")]
    [InlineData("00:10:00")]
    [InlineData("1.00:00:00")]
    public void MaxAge_WholeSecondsInRange_Valid(string maxAge) => Assert.Empty(Errors(TimeSpan.Parse(maxAge)));

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("00:00:00.5")]
    [InlineData("00:10:00.5")]
    [InlineData("1.00:00:01")]
    public void MaxAge_ZeroFractionalOrOverADay_NamedInError(string maxAge) =>
        Assert.Contains("StepUp:MaxAge", Assert.Single(Errors(TimeSpan.Parse(maxAge))).ErrorMessage);

    private static List<ValidationResult> Errors(TimeSpan maxAge)
    {
        var settings = new StepUpSettings { MaxAge = maxAge };
        var errors = new List<ValidationResult>();
        Validator.TryValidateObject(settings, new ValidationContext(settings), errors, validateAllProperties: true);
        return errors;
    }
}
