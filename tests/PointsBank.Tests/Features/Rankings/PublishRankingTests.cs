using System.Text;
using System.Data.Common;
using Dapper;
using PointsBank.Data;
using PointsBank.Features.Accounts;
using PointsBank.Features.Communities;
using PointsBank.Features.Rankings;
using PointsBank.Identity;
using PointsBank.Infrastructure;
using PointsBank.Tests.Features.Communities;
using PointsBank.Tests.Sql;
using PointsBank.Tests.Support;

namespace PointsBank.Tests.Features.Rankings;

/// <summary>
/// Publishing (issue 10 items 2–5): an immutable snapshot with the chain head it was taken at and a Merkle root over its
/// rows; revisions; inclusion proofs; verification from the ledger up to the recorded head, which finds tampering.
/// </summary>
public abstract class PublishRankingTests(DatabaseProvider provider)
{
    private const string Month = "2026-11";

    /// <summary>09:00 on 1 December in Shanghai: November is over, so it may be published.</summary>
    internal static readonly DateTimeOffset AfterNovember = new(2026, 12, 1, 1, 0, 0, TimeSpan.Zero);

    private TestDatabase _db = null!;
    private TestCommunity _c = null!;
    private readonly List<long> _accounts = [];

    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    [SetUp]
    public async Task CreateDatabaseWithABoard()
    {
        _db = await TestDatabase.CreateAsync(provider);
        _c = await _db.NewCommunityAsync();
        foreach (var (code, points) in new[] { ("A-1", 30L), ("B-2", 20L), ("C-3", 20L), ("D-4", 5L), ("E-5", 12L) })
        {
            var household = (await _db.Mediator.Send(new AddHousehold(_c.Id, null, code))).Value!.HouseholdId;
            await _db.Mediator.Send(new AddResident(_c.Id, household, "测试居民"));
            var account = (await _db.Mediator.Send(new OpenAccount(_c.Id, "household", household))).Value!.AccountId;
            _accounts.Add(account);
            await _c.PostAsync(_c.Award(account, points));
        }
        _db.Clock.Set(AfterNovember);
    }

    [TearDown]
    public async Task DropDatabase()
    {
        if (_db is not null)
        {
            await _db.DisposeAsync();
        }
    }

    private Caller Committee => Acting.As(Role.Committee, _c.Id);

    private async Task<RankingPublished> PublishAsync()
    {
        var published = await _db.SendAs(Committee, new PublishRanking(_c.Id, Month));
        Assert.That(published.Failure, Is.Null, published.Failure?.Detail);
        return published.Value!;
    }

    /// <summary>A correction of the month: D-4's award (transaction 4) reversed, so the board changes (B-2 stays 2nd).</summary>
    private async Task CorrectAsync() =>
        Assert.That((await _db.Ledger.ReverseAsync(_c.Id, 4, "D-4 的 5 分记错了", "test:committee", $"fix-{Guid.NewGuid():N}")).Error, Is.Null);

    private async Task<long> SnapshotCountAsync() =>
        Convert.ToInt64(await _db.ScalarRawAsync($"SELECT COUNT(*) FROM ranking_snapshots WHERE community_id = {_c.Id}"));

    private async Task<RankingRevisionView> RevisionAsync(int n) => (await _db.Mediator.Send(new GetRankingRevision(_c.Id, Month, n))).Value!;

    private async Task<RankingVerification> VerifyAsync(int n) => (await _db.SendAs(Committee, new VerifyRankingRevision(_c.Id, Month, n))).Value!;

    [Test]
    public async Task Publish_FreezesTheBoard_WithTheChainHead_WhoAndWhen_AndAMerkleRootOverItsRows()
    {
        var head = await _db.Ledger.GetTransactionAsync(_c.Id, 5);

        var published = await PublishAsync();
        var revision = await RevisionAsync(1);

        Assert.That(published.Revision, Is.EqualTo(1));
        Assert.That((published.ChainHeadSeq, published.ChainHeadHash), Is.EqualTo((5L, head!.Hash)));
        Assert.That(published.PublishedBy, Is.EqualTo(Committee.Actor));
        Assert.That(published.PublishedAt, Is.EqualTo(AfterNovember.UtcDateTime));
        Assert.That(revision.Rows.Select(r => (r.Rank, r.HouseholdCode, r.Points)),
            Is.EqualTo(new[] { (1, "A-1", 30L), (2, "B-2", 20L), (2, "C-3", 20L), (4, "E-5", 12L), (5, "D-4", 5L) }));
        Assert.That(revision.SnapshotHash, Is.EqualTo(published.SnapshotHash));
        var leaves = revision.Rows.Select(r => MerkleTree.LeafHash(Encoding.UTF8.GetBytes(r.Canonical))).ToList();
        Assert.That(Convert.ToHexStringLower(MerkleTree.Root(leaves)), Is.EqualTo(published.SnapshotHash), "the root is recomputable from the published rows");
        Assert.That((await VerifyAsync(1)).Matches, Is.True);
    }

    [Test]
    public async Task ACorrectionAfterPublishing_LeavesRevision1AsItWas_AndVerifying_Revision2ReflectsIt()
    {
        var first = await PublishAsync();
        var before = await RevisionAsync(1);
        var seq = (await _db.Ledger.GetBalanceAsync(_c.Id, _accounts[0]))!;
        Assert.That(seq, Is.Not.Null);
        Assert.That((await _db.Ledger.ReverseAsync(_c.Id, 1, "A-1 的 30 分记错了", "test:committee", "fix-1")).Error, Is.Null);

        var second = await PublishAsync();
        var r1 = await RevisionAsync(1);
        var r2 = await RevisionAsync(2);

        Assert.That(second.Revision, Is.EqualTo(2));
        Assert.That(second.ChainHeadSeq, Is.EqualTo(6));
        Assert.That(r1.Rows, Is.EqualTo(before.Rows));
        Assert.That(r1.SnapshotHash, Is.EqualTo(first.SnapshotHash));
        Assert.That(r1.LatestRevision, Is.EqualTo(2));
        Assert.That(r2.Rows.Select(r => (r.Rank, r.HouseholdCode, r.Points)),
            Is.EqualTo(new[] { (1, "B-2", 20L), (1, "C-3", 20L), (3, "E-5", 12L), (4, "D-4", 5L) }));
        Assert.That(second.SnapshotHash, Is.Not.EqualTo(first.SnapshotHash));
        Assert.That((await VerifyAsync(1)).Matches, Is.True, "revision 1 still matches the ledger up to its own chain head");
        Assert.That((await VerifyAsync(2)).Matches, Is.True);
        var listed = (await _db.Mediator.Send(new ListRankingRevisions(_c.Id))).Value!;
        Assert.That(listed.Select(r => r.Revision), Is.EqualTo(new[] { 2, 1 }));
    }

    [Test]
    public async Task AnInclusionProof_ChecksAgainstTheRoot_AndAChangedRowsProofDoesNot()
    {
        var published = await PublishAsync();
        var root = Convert.FromHexString(published.SnapshotHash);

        foreach (var account in _accounts)
        {
            var proof = (await _db.Mediator.Send(new GetRankingProof(_c.Id, Month, 1, account))).Value!.Single();
            var path = proof.Path.Select(Convert.FromHexString).ToList();
            Assert.That(proof.Checks, Is.True);
            Assert.That(MerkleTree.Verify(MerkleTree.LeafHash(Encoding.UTF8.GetBytes(proof.Canonical)), proof.LeafIndex, proof.TreeSize, path, root), Is.True);

            var changed = proof.Canonical[..proof.Canonical.LastIndexOf('\t', proof.Canonical.LastIndexOf('\t') - 1)] + $"\t{proof.Points + 1}\t0";
            Assert.That(MerkleTree.Verify(MerkleTree.LeafHash(Encoding.UTF8.GetBytes(changed)), proof.LeafIndex, proof.TreeSize, path, root), Is.False,
                "the same proof for a row with one more point does not reach the root");
            Assert.That(MerkleTree.Verify(MerkleTree.LeafHash(Encoding.UTF8.GetBytes(proof.Canonical)), (proof.LeafIndex + 1) % proof.TreeSize, proof.TreeSize,
                path, root), Is.False, "nor at another position");
        }
    }

    [Test]
    public async Task AProofForAnAccountNotOnTheBoard_OrARevisionNotPublished_IsNotFound()
    {
        await PublishAsync();
        var stranger = (await _db.Mediator.Send(new OpenAccount(_c.Id, "household",
            (await _db.Mediator.Send(new AddHousehold(_c.Id, null, "Z-9"))).Value!.HouseholdId))).Value!.AccountId;

        Assert.That((await _db.Mediator.Send(new GetRankingProof(_c.Id, Month, 1, stranger))).Failure?.Code, Is.EqualTo("ranking_row_not_found"));
        Assert.That((await _db.Mediator.Send(new GetRankingProof(_c.Id, Month, 2, _accounts[0]))).Failure?.Code, Is.EqualTo("ranking_revision_not_found"));
        Assert.That((await _db.Mediator.Send(new GetRankingRevision(_c.Id, "2026-10", null))).Failure?.Code, Is.EqualTo("ranking_revision_not_found"));
    }

    [Test]
    public async Task TheCardHoldersProofs_ListEveryRevisionTheirAccountIsOn()
    {
        await PublishAsync();
        await CorrectAsync();
        await PublishAsync();

        var proofs = await _db.SendAs(Acting.As(Role.Committee, _c.Id), new GetAccountRankingProofs(_c.Id, _accounts[1]));

        Assert.That(proofs.Value!.Select(p => (p.Month, p.Revision, p.Proofs.Single().Rank, p.Proofs.Single().Checks)),
            Is.EqualTo(new[] { (Month, 2, 2, true), (Month, 1, 2, true) }));
    }

    [Test]
    public async Task PublishingAgain_WithNothingChanged_MakesNoRevision_AndAnswersTheLatestOne_WithItsOwnChainHead()
    {
        var first = await PublishAsync();
        // The ledger moves on (an award of December), but nothing of November's board changes.
        await _c.PostAsync(_c.Award(_accounts[0], 3));
        var rowsBefore = Convert.ToInt64(await _db.ScalarRawAsync("SELECT COUNT(*) FROM ranking_snapshot_rows"));

        var again = await PublishAsync();

        Assert.That(first.Unchanged, Is.False);
        Assert.That(again.Unchanged, Is.True, "the board is the same: no new revision");
        Assert.That((again.Revision, again.SnapshotHash, again.ChainHeadSeq, again.ChainHeadHash, again.PublishedBy, again.PublishedAt, again.Rows),
            Is.EqualTo((first.Revision, first.SnapshotHash, first.ChainHeadSeq, first.ChainHeadHash, first.PublishedBy, first.PublishedAt, first.Rows)),
            "the answer is revision 1 as it was published, its chain head included");
        Assert.That(await SnapshotCountAsync(), Is.EqualTo(1));
        Assert.That(Convert.ToInt64(await _db.ScalarRawAsync("SELECT COUNT(*) FROM ranking_snapshot_rows")), Is.EqualTo(rowsBefore));
        Assert.That((await RevisionAsync(1)).LatestRevision, Is.EqualTo(1), "residents still see 第 1 版（共 1 版）");

        // A correction of November changes the board: now publishing makes revision 2.
        await CorrectAsync();
        var corrected = await PublishAsync();
        Assert.That((corrected.Revision, corrected.Unchanged), Is.EqualTo((2, false)));
        Assert.That(await SnapshotCountAsync(), Is.EqualTo(2));
        Assert.That((await PublishAsync()).Revision, Is.EqualTo(2), "and again, unchanged, stays at 2");
        Assert.That(await SnapshotCountAsync(), Is.EqualTo(2));
    }

    [Test]
    public void PublishingABadMonth_IsRefused_AndWritesNothing()
    {
        Assert.ThrowsAsync<RequestValidationException>(() => _db.SendAs(Committee, new PublishRanking(_c.Id, "2026-13")));
        Assert.That(Convert.ToInt64(_db.ScalarRawAsync($"SELECT COUNT(*) FROM ranking_snapshots WHERE community_id = {_c.Id}").Result), Is.Zero);
    }

    [Test]
    public async Task VerifyVerbsCheck_FindsEveryRevision()
    {
        await PublishAsync();
        await CorrectAsync();
        await PublishAsync();

        var all = await RankingVerifier.VerifyAllAsync(_db.Db, _c.Id, null, null, default);

        Assert.That(all.Select(v => (v.Revision, v.Matches)), Is.EqualTo(new[] { (1, true), (2, true) }));
    }
}

[TestFixture]
public sealed class SqlitePublishRankingTests() : PublishRankingTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerPublishRankingTests() : PublishRankingTests(DatabaseProvider.SqlServer);

/// <summary>
/// The published snapshot is immutable by the database on every engine (SQLite's RAISE(ABORT) triggers; SQL Server's
/// INSTEAD OF triggers, THROW 51030/51031, and the app role's DENY, checked by parsing the scripts), and tampering with
/// it behind the database's back (<see cref="Tampering"/>) is found by verify. Only this test's community's snapshot is
/// touched and read.
/// </summary>
public abstract class RankingSnapshotTamperTests(DatabaseProvider provider)
{
    private TestDatabase _db = null!;
    private TestCommunity _c = null!;

    [OneTimeSetUp]
    public void RequireEngine() => TestDatabase.RequireEngine(provider);

    [SetUp]
    public async Task PublishABoard()
    {
        _db = await TestDatabase.CreateOwnAsync(provider); // a tampered board is left for no other test to find
        _c = await _db.NewCommunityAsync();
        foreach (var (code, points) in new[] { ("A-1", 30L), ("B-2", 20L), ("C-3", 7L) })
        {
            var household = (await _db.Mediator.Send(new AddHousehold(_c.Id, null, code))).Value!.HouseholdId;
            var account = (await _db.Mediator.Send(new OpenAccount(_c.Id, "household", household))).Value!.AccountId;
            await _c.PostAsync(_c.Award(account, points));
        }
        _db.Clock.Set(PublishRankingTests.AfterNovember);
        Assert.That((await _db.SendAs(Acting.As(Role.Committee, _c.Id), new PublishRanking(_c.Id, "2026-11"))).Failure, Is.Null);
    }

    [TearDown]
    public async Task Drop()
    {
        if (_db is not null)
        {
            await _db.DisposeAsync();
        }
    }

    private async Task<RankingVerification> VerifyAsync() =>
        (await _db.SendAs(Acting.As(Role.Committee, _c.Id), new VerifyRankingRevision(_c.Id, "2026-11", 1))).Value!;

    private async Task<string> Snapshot()
    {
        await using var connection = await _db.Db.OpenConnectionAsync();
        var rows = await connection.QueryAsync<(string Hash, long Position, long Points, string Household)>(
            "SELECT s.snapshot_hash, CAST(r.position AS bigint), r.points, r.household_code FROM ranking_snapshots s JOIN ranking_snapshot_rows r ON r.snapshot_id = s.id " +
            "WHERE s.community_id = @c ORDER BY s.id, r.position", new { c = _c.Id });
        return string.Join(",", rows);
    }

    // This community's snapshots: the statements below must touch no other test's rows on a shared server.
    private const string Own = "snapshot_id IN (SELECT id FROM ranking_snapshots WHERE community_id = {c})";

    private string Scoped(string sql) => sql.Replace("{c}", _c.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

    [TestCase("UPDATE ranking_snapshot_rows SET points = points + 100 WHERE " + Own + " AND position = 2")]
    [TestCase("UPDATE ranking_snapshots SET snapshot_hash = '00' WHERE community_id = {c}")]
    [TestCase("DELETE FROM ranking_snapshot_rows WHERE " + Own + " AND position = 0")]
    [TestCase("DELETE FROM ranking_snapshots WHERE community_id = {c}")]
    public async Task RawUpdateOrDelete_OnASnapshot_IsRejectedByTheDatabase(string sql)
    {
        var before = await Snapshot();
        Assert.That(before, Does.Contain(", 1, 20, B-2)"), "the community's board is there");

        var error = Assert.CatchAsync<DbException>(() => _db.ExecuteRawAsync(Scoped(sql)));

        Assert.That(error!.Message, Does.Contain("append-only"));
        Assert.That(await Snapshot(), Is.EqualTo(before));
    }

    [Test]
    public async Task ATamperedRow_IsDetected()
    {
        Assert.That((await VerifyAsync()).Matches, Is.True);
        await _db.TamperAsync(Scoped("UPDATE ranking_snapshot_rows SET points = 70 WHERE " + Own + " AND position = 2"), "ranking_snapshot_rows");

        var verification = await VerifyAsync();

        Assert.That(verification.Matches, Is.False);
        Assert.That(verification.RootMatches, Is.False, "the rows no longer hash to the published root");
        Assert.That(verification.RowsMatch, Is.False, "the journal does not give 70 points");
        Assert.That(verification.ChainHeadMatches, Is.True);
        Assert.That(verification.Differences, Has.Some.Contains("70 points"));
    }

    [Test]
    public async Task ARowAndRootChangedTogether_AreStillDetected_ByTheLedger()
    {
        await _db.TamperAsync(Scoped("UPDATE ranking_snapshot_rows SET points = 70 WHERE " + Own + " AND position = 2"), "ranking_snapshot_rows");
        var forged = (await _db.Mediator.Send(new GetRankingRevision(_c.Id, "2026-11", 1))).Value!;
        await _db.TamperAsync($"UPDATE ranking_snapshots SET snapshot_hash = '{Snapshots.Root(forged.Rows)}' WHERE community_id = {_c.Id}", "ranking_snapshots");

        var verification = await VerifyAsync();

        Assert.That(verification.RootMatches, Is.True, "a consistent forgery hashes to its own root");
        Assert.That(verification.Matches, Is.False);
        Assert.That(verification.RowsMatch, Is.False);
        Assert.That(verification.RecomputedHash, Is.Not.EqualTo(verification.SnapshotHash));
    }

    [Test]
    public async Task AChangedChainHead_IsDetected()
    {
        await _db.TamperAsync($"UPDATE ranking_snapshots SET chain_head_seq = 2 WHERE community_id = {_c.Id}", "ranking_snapshots");

        var verification = await VerifyAsync();

        Assert.That(verification.Matches, Is.False);
        Assert.That(verification.ChainHeadMatches, Is.False);
    }
}

[TestFixture]
public sealed class SqliteRankingSnapshotTamperTests() : RankingSnapshotTamperTests(DatabaseProvider.Sqlite);

[TestFixture]
public sealed class SqlServerRankingSnapshotTamperTests() : RankingSnapshotTamperTests(DatabaseProvider.SqlServer);

/// <summary>The SQL Server scripts guard the snapshots with triggers and deny the app's role UPDATE and DELETE (parsed).</summary>
public sealed class RankingSnapshotScriptTests
{
    [Test]
    public void SqlServerScripts_GuardTheSnapshots_WithTriggers_AndDenyTheAppRoleUpdateAndDelete()
    {
        var scripts = TSqlScripts.ParseSqlServerScripts().Select(s => s.Script).ToList();

        Assert.That(JournalProtection.TablesRejectingUpdateAndDelete(scripts), Is.SupersetOf(new[] { "ranking_snapshots", "ranking_snapshot_rows" }));
        Assert.That(JournalProtection.TablesDenyingUpdateAndDelete(scripts, JournalProtection.AppRole),
            Is.SupersetOf(new[] { "ranking_snapshots", "ranking_snapshot_rows" }));
    }
}
