using MediatR;
using Microsoft.Extensions.Logging;
using PointsBank.Infrastructure;

namespace PointsBank.Tests.Infrastructure;

/// <summary>Text from a request cannot forge a log line.</summary>
public sealed class LoggingTests
{
    private sealed record Probe : IRequest<Outcome<int>>;

    private sealed class Capture : ILogger<LoggingBehavior<Probe, Outcome<int>>>
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception));
    }

    [Test]
    public async Task RefusalDetail_WithLineBreaks_IsLoggedOnOneLine()
    {
        var logger = new Capture();
        var behavior = new LoggingBehavior<Probe, Outcome<int>>(logger);

        await behavior.Handle(new Probe(), CancellationToken.None,
            () => Task.FromResult<Outcome<int>>(new Failure("user_not_found", "user 'x\r\n2026-01-01 info: admin granted' does not exist")));

        Assert.That(logger.Lines.Single(), Does.Not.Contain("\n").And.Not.Contain("\r").And.Contain(@"x\r\n2026"));
    }

    [TestCase("plain 文字", "plain 文字")]
    [TestCase("a\nb", @"a\nb")]
    [TestCase("a\r\nb\u0000", @"a\r\nb\u0000")]
    public void Escape_KeepsTextAndEscapesControlCharacters(string value, string logged) =>
        Assert.That(LogText.Escape(value), Is.EqualTo(logged));
}
