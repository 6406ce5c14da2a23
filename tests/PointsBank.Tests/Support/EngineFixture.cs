using PointsBank.Data;

namespace PointsBank.Tests.Support;

/// <summary>
/// The base of a suite that runs once per engine and sets up in [OneTimeSetUp] (the web-host suites): this class's
/// one-time set-up runs before the suite's own and marks the fixture ignored, with the reason, when the engine is not
/// configured here — so the suite's set-up never starts and its one-time tear-down never runs on nothing.
/// </summary>
public abstract class EngineFixture(DatabaseProvider provider)
{
    protected DatabaseProvider Provider => provider;

    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);
}
