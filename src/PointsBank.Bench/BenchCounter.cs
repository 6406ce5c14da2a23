using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

namespace PointsBank.Bench;

/// <summary>
/// (i): counter confirmations over HTTP (<c>POST …/redemptions {shopId, code}</c>), open loop at fixed rates, as a busy
/// counter (or several) would send them: request k is due at <c>start + k / rate</c> whether or not the earlier ones
/// have answered, and its latency counts from when it was due (so a stall is not hidden by sending less, the
/// "coordinated omission" of closed-loop clients). Everything it needs — the shop, a product with stock, points on the
/// accounts and one voucher per confirmation — is made beforehand through the service's own API, as a shopkeeper and
/// the committee would make it, and is not timed.
/// </summary>
internal sealed class BenchCounter(BenchHttp http)
{
    /// <summary>The latency of one confirmation, from when it was due to when its 201 arrived.</summary>
    public sealed record Rate(int PerSecond, int Count, TimeSpan Elapsed, double P50Ms, double P99Ms, double MaxMs)
    {
        public double Achieved => Count / Elapsed.TotalSeconds;
    }

    private string Api => $"/api/v1/communities/{http.CommunityId}";

    private long _shopId;
    private long _productId;
    private int _keys;

    /// <summary>A shop with one product and enough stock, and points on every account for <paramref name="vouchers"/> one-point vouchers.</summary>
    public async Task SetUpAsync(int vouchers, CancellationToken ct)
    {
        _shopId = (await PostAsync($"{Api}/shops", new { name = "基准积分超市" }, ct)).GetProperty("shopId").GetInt64();
        _productId = (await PostAsync($"{Api}/shops/{_shopId}/products", new { name = "肥皂", pointsPrice = 1, unit = "块" }, ct))
            .GetProperty("id").GetInt64();
        await PostAsync($"{Api}/shops/{_shopId}/products/{_productId}/movements", new { kind = "restock", quantity = vouchers + 100 }, ct);
        // Points for the vouchers come by rule, as every award does: a fixed rule worth what each account needs.
        var each = vouchers / http.Accounts.Length + 2;
        await http.AddRuleAsync("bench_counter_points", "基准：兑换前的积分", "good_deed", each, ct);
        foreach (var account in http.Accounts)
        {
            await PostAsync($"{Api}/awards", new { accountId = account, ruleCode = "bench_counter_points" }, ct);
        }
    }

    /// <summary>One voucher per confirmation to come, spread over the accounts (made before any timing).</summary>
    public async Task<string[]> IssueAsync(int count, CancellationToken ct)
    {
        var codes = new string[count];
        for (var i = 0; i < count; i++)
        {
            var voucher = await PostAsync($"{Api}/vouchers", new
            {
                shopId = _shopId,
                accountId = http.Accounts[i % http.Accounts.Length],
                items = new[] { new { productId = _productId, quantity = 1 } },
            }, ct);
            codes[i] = voucher.GetProperty("code").GetString()!;
        }
        return codes;
    }

    /// <summary>Confirms every code at <paramref name="perSecond"/>, open loop; anything but 201 stops the run.</summary>
    public async Task<Rate> RunAsync(string[] codes, int perSecond, CancellationToken ct)
    {
        var bodies = codes.Select(code => JsonSerializer.Serialize(new { shopId = _shopId, code })).ToArray();
        var latencies = new double[codes.Length];
        var sends = new Task[codes.Length];
        var start = Stopwatch.GetTimestamp();
        var interval = Stopwatch.Frequency / (double)perSecond;
        for (var k = 0; k < codes.Length; k++)
        {
            var due = start + (long)(k * interval);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, ct);
            }
            while (Stopwatch.GetTimestamp() < due)
            {
                Thread.SpinWait(20);
            }
            var index = k;
            sends[k] = Task.Run(async () =>
            {
                await ConfirmAsync(bodies[index], ct);
                latencies[index] = Stopwatch.GetElapsedTime(due).TotalMilliseconds;
            }, ct);
        }
        await Task.WhenAll(sends);
        var elapsed = Stopwatch.GetElapsedTime(start);
        Array.Sort(latencies);
        return new Rate(perSecond, codes.Length, elapsed, Percentile(latencies, 0.50), Percentile(latencies, 0.99), latencies[^1]);
    }

    private async Task ConfirmAsync(string body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{Api}/redemptions")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        using var response = await http.Client.SendAsync(request, ct);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException(
                $"the service refused a benchmark confirmation: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        }
    }

    private async Task<JsonElement> PostAsync(string path, object body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", $"bench-counter-{Interlocked.Increment(ref _keys)}-{Environment.ProcessId}");
        using var response = await http.Client.SendAsync(request, ct);
        var answer = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"counter set-up refused: POST {path} → {(int)response.StatusCode} {answer}");
        }
        return JsonDocument.Parse(answer).RootElement.Clone();
    }

    internal static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
