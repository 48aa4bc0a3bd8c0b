using RedisJwt.IdentityServer.Credentials;

namespace RedisJwt.IdentityServer.Tests.Unit;

public sealed class SigningKeyPlanTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    [Fact]
    public void NoGeneratedKeys_TheConfiguredOneSignsAlone_NothingScheduled()
    {
        var plan = SigningKeyPlan.Compute("configured", [], Now, Retention);

        Assert.Equal("configured", plan.SigningKeyId);
        Assert.Equal(["configured"], plan.PublishedKeyIds);
        Assert.Null(plan.NextChange);
        Assert.Empty(plan.ExpiredKeyIds);
    }

    [Fact]
    public void KeyNotActiveYet_PublishedBehindTheSigningOne_ChangeAtItsActivation()
    {
        var plan = SigningKeyPlan.Compute("configured", [new("new", Now.AddHours(1))], Now, Retention);

        Assert.Equal("configured", plan.SigningKeyId);
        Assert.Equal(["configured", "new"], plan.PublishedKeyIds);
        Assert.Equal(Now.AddHours(1), plan.NextChange);
    }

    [Fact]
    public void KeyActivated_ItSigns_ThePreviousStaysPublishedForTheRetention()
    {
        var plan = SigningKeyPlan.Compute("configured", [new("new", Now.AddHours(-1))], Now, Retention);

        Assert.Equal("new", plan.SigningKeyId);
        Assert.Equal(["new", "configured"], plan.PublishedKeyIds);
        Assert.Equal(Now.AddHours(-1) + Retention, plan.NextChange);
    }

    [Fact]
    public void RetiredLongerThanTheRetention_NotPublished_Expired()
    {
        var plan = SigningKeyPlan.Compute("configured",
            [new("first", Now.AddDays(-30)), new("second", Now.AddDays(-10)), new("third", Now.AddDays(-1))], Now, Retention);

        Assert.Equal("third", plan.SigningKeyId);
        // "second" retired a day ago (when "third" activated): within the 7 days. "first" retired 10 days ago.
        Assert.Equal(["third", "second"], plan.PublishedKeyIds);
        Assert.Equal(["configured", "first"], plan.ExpiredKeyIds);
        Assert.Equal(Now.AddDays(-1) + Retention, plan.NextChange);
    }

    [Fact]
    public void OrderOfTheRing_IsByActivationNotByInput()
    {
        var plan = SigningKeyPlan.Compute("configured", [new("later", Now.AddHours(2)), new("sooner", Now.AddHours(-2))], Now, Retention);

        Assert.Equal("sooner", plan.SigningKeyId);
        Assert.Equal(["sooner", "configured", "later"], plan.PublishedKeyIds);
        Assert.Equal(Now.AddHours(2), plan.NextChange);
    }

    [Fact]
    public void SamePlan_SameSignature_AnotherRoleAnother()
    {
        var before = SigningKeyPlan.Compute("configured", [new("new", Now.AddSeconds(1))], Now, Retention);
        var after = SigningKeyPlan.Compute("configured", [new("new", Now.AddSeconds(1))], Now.AddSeconds(2), Retention);

        Assert.Equal(before.Signature, SigningKeyPlan.Compute("configured", [new("new", Now.AddSeconds(1))], Now, Retention).Signature);
        Assert.NotEqual(before.Signature, after.Signature);
    }
}
