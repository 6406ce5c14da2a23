using FsCheck;
using FsCheck.Fluent;
using PointsBank.Data;
using PointsBank.Ledger;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Ledger;

/// <summary>
/// Random sequences of awards, deductions, redemptions, holds, captures, releases and reversals against a plain
/// in-memory model of the rules; after each sequence balances, holds and sequence numbers agree and verify passes.
/// </summary>
public abstract class LedgerPropertyTests(DatabaseProvider provider)
{
    private const int Accounts = 3;

    public enum OpKind { Award, Deduct, Redeem, Hold, Capture, Release, Reverse }

    public sealed record Op(OpKind Kind, int Target, long Points)
    {
        public override string ToString() => $"{Kind}({Target},{Points})";
    }

    private static readonly Gen<Op> OpGen =
        from kind in Gen.Frequency(
            (4, Gen.Constant(OpKind.Award)), (2, Gen.Constant(OpKind.Deduct)), (2, Gen.Constant(OpKind.Redeem)),
            (2, Gen.Constant(OpKind.Hold)), (2, Gen.Constant(OpKind.Capture)), (1, Gen.Constant(OpKind.Release)),
            (2, Gen.Constant(OpKind.Reverse)))
        from target in Gen.Choose(0, 50)
        from points in Gen.Choose(1, 60)
        select new Op(kind, target, points);

    private static readonly Arbitrary<Op[]> Sequences = Gen.ArrayOf(OpGen).Select(ops => ops.Take(25).ToArray()).ToArbitrary();

    private TestDatabase _db = null!;

    [OneTimeSetUp]
    public async Task CreateDatabase() => _db = await TestDatabase.CreateAsync(provider);

    [OneTimeTearDown]
    public async Task DropDatabase()
    {
        // Null when the engine is not here (the fixture was ignored before its database was made).
        if (_db is not null)
        {
            await _db.DisposeAsync();
        }
    }

    [Test]
    public void RandomOperationSequences_AgreeWithTheModel_AndVerify()
    {
        var property = Prop.ForAll(Sequences, ops => Run(ops).GetAwaiter().GetResult());

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(60), property);
    }

    private sealed class Model
    {
        public readonly long[] Balance = new long[Accounts];
        public readonly long[] Held = new long[Accounts];
        public readonly List<(long Id, int Account, long Amount, HoldStatus Status)> Holds = [];
        public readonly List<(long Seq, Dictionary<int, long> Effect, bool Reversible)> Transactions = [];
        public long Available(int a) => Balance[a] - Held[a];
    }

    private async Task<bool> Run(Op[] ops)
    {
        var community = await _db.NewCommunityAsync();
        var accounts = new long[Accounts];
        for (var i = 0; i < Accounts; i++)
        {
            (accounts[i], _) = await community.NewHouseholdAccountAsync();
        }
        var model = new Model();
        var ledger = _db.Ledger;
        var seq = 0L;

        foreach (var op in ops)
        {
            var a = op.Target % Accounts;
            switch (op.Kind)
            {
                case OpKind.Award:
                {
                    var r = await ledger.PostAsync(community.Award(accounts[a], op.Points));
                    Expect(r.Succeeded, op);
                    model.Balance[a] += op.Points;
                    model.Transactions.Add((++seq, new() { [a] = op.Points }, true));
                    break;
                }
                case OpKind.Deduct:
                {
                    var r = await ledger.PostAsync(community.Deduct(accounts[a], op.Points));
                    Expect(r.Succeeded, op);
                    var actual = Math.Min(op.Points, Math.Max(0, model.Available(a)));
                    model.Balance[a] -= actual;
                    model.Transactions.Add((++seq, new() { [a] = -actual }, true));
                    break;
                }
                case OpKind.Redeem:
                {
                    var r = await ledger.PostAsync(community.Redeem(accounts[a], op.Points));
                    var ok = model.Available(a) >= op.Points;
                    Expect(r.Succeeded == ok && (ok || r.Error == LedgerError.InsufficientPoints), op);
                    if (ok)
                    {
                        model.Balance[a] -= op.Points;
                        model.Transactions.Add((++seq, new() { [a] = -op.Points }, true));
                    }
                    break;
                }
                case OpKind.Hold:
                {
                    var r = await ledger.PlaceHoldAsync(community.Id, accounts[a], op.Points, "v", "prop", community.NextKey(), null);
                    var ok = model.Available(a) >= op.Points;
                    Expect(r.Succeeded == ok, op);
                    if (ok)
                    {
                        model.Held[a] += op.Points;
                        model.Holds.Add((r.Hold!.Id, a, op.Points, HoldStatus.Open));
                    }
                    break;
                }
                case OpKind.Capture when model.Holds.Count > 0:
                {
                    var h = op.Target % model.Holds.Count;
                    var hold = model.Holds[h];
                    var r = await ledger.CaptureHoldAsync(community.Id, hold.Id, community.NextKey(), "", "prop");
                    // A reversal may have pushed the account below its holds; then the capture must not overdraw it.
                    var ok = hold.Status == HoldStatus.Open && model.Available(hold.Account) >= 0;
                    Expect(r.Succeeded == ok, op);
                    if (ok)
                    {
                        model.Held[hold.Account] -= hold.Amount;
                        model.Balance[hold.Account] -= hold.Amount;
                        model.Holds[h] = hold with { Status = HoldStatus.Captured };
                        model.Transactions.Add((++seq, new() { [hold.Account] = -hold.Amount }, true));
                    }
                    break;
                }
                case OpKind.Release when model.Holds.Count > 0:
                {
                    var h = op.Target % model.Holds.Count;
                    var hold = model.Holds[h];
                    var r = await ledger.ReleaseHoldAsync(community.Id, hold.Id);
                    Expect(r.Succeeded == (hold.Status != HoldStatus.Captured), op);
                    if (hold.Status == HoldStatus.Open)
                    {
                        model.Held[hold.Account] -= hold.Amount;
                        model.Holds[h] = hold with { Status = HoldStatus.Released };
                    }
                    break;
                }
                case OpKind.Reverse when model.Transactions.Count > 0:
                {
                    var t = op.Target % model.Transactions.Count;
                    var original = model.Transactions[t];
                    var r = await ledger.ReverseAsync(community.Id, original.Seq, "property test", "prop", community.NextKey());
                    Expect(r.Succeeded == original.Reversible, op);
                    if (original.Reversible)
                    {
                        foreach (var (account, amount) in original.Effect)
                        {
                            model.Balance[account] -= amount;
                        }
                        model.Transactions[t] = original with { Reversible = false };
                        model.Transactions.Add((++seq, original.Effect.ToDictionary(e => e.Key, e => -e.Value), false));
                    }
                    break;
                }
            }
        }

        for (var i = 0; i < Accounts; i++)
        {
            var balance = await community.BalanceAsync(accounts[i]);
            Expect(balance.Balance == model.Balance[i] && balance.Held == model.Held[i], $"account {i}: ledger {balance}, model {model.Balance[i]}/{model.Held[i]}");
        }
        var report = await _db.VerifyOwnAsync();
        Expect(report.Intact, report.FirstBreak?.ToString() ?? "");
        var last = await _db.Ledger.GetTransactionAsync(community.Id, seq + 1);
        Expect(last is null && (seq == 0 || await _db.Ledger.GetTransactionAsync(community.Id, seq) is not null), "sequence numbers are gapless");
        return true;
    }

    private static void Expect(bool condition, object what)
    {
        if (!condition)
        {
            throw new AssertionException($"ledger and model disagree at {what}");
        }
    }
}

[TestFixture]
public sealed class SqliteLedgerPropertyTests() : LedgerPropertyTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerLedgerPropertyTests() : LedgerPropertyTests(DatabaseProvider.SqlServer);
