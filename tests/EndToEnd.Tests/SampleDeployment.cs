namespace RedisJwt.EndToEnd.Tests;

/// <summary>One IdentityServer and one BoardApi process, for the samples to talk to.</summary>
public sealed class SampleDeployment : Deployment
{
    protected override bool SecondInstances => false;
}

/// <summary>The sample tests share one deployment: each test makes its own user and posts.</summary>
[CollectionDefinition(Name)]
public sealed class SamplesCollection : ICollectionFixture<SampleDeployment>
{
    public const string Name = "samples";
}
