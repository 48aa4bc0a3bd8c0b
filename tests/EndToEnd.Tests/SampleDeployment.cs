namespace RedisJwt.EndToEnd.Tests;

/// <summary>One IdentityServer and one BoardApi process, for the samples to talk to.</summary>
public sealed class SampleDeployment : Deployment
{
    protected override bool SecondInstances => false;
}
