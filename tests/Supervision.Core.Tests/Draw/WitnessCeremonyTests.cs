using Supervision.Core.Draw;

namespace Supervision.Core.Tests.Draw;

/// <summary>The witnessed seed ceremony (draw-spec §3.3): its rules, and the §10.1 vectors (computed independently in Python).</summary>
public sealed class WitnessCeremonyTests
{
    private const string Task = "TASK-2026-0001";
    private static readonly byte[] Secret = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
    private static readonly DateTimeOffset Due = new(2027, 1, 4, 2, 0, 0, TimeSpan.Zero);
    private static readonly NamedBeacon Beacon = new("drand quicknet", "12345678", Due);

    private static readonly (string Witness, string? Department, string Value, string Nonce)[] Witnesses =
    [
        ("Li Wei (liwei)", null, "31415", string.Concat(Enumerable.Repeat("01", 32))),
        ("王芳 (wangfang)", "D2", "92653", string.Concat(Enumerable.Repeat("02", 32))),
        ("Zhao Min (zhaomin)", "D1", "27182", string.Concat(Enumerable.Repeat("03", 32))),
    ];

    private static readonly DateTimeOffset Now = Due.AddDays(-1);

    private static Ceremony Committed()
    {
        var c = WitnessCeremony.Start(Beacon, 2);
        foreach (var (w, d, v, n) in Witnesses) c = Ok(WitnessCeremony.Commit(c, w, d, WitnessCeremony.Commitment(Task, v, n), Now));
        return c;
    }

    private static Ceremony Ok((Ceremony Ceremony, CeremonyRefusal? Refusal) step)
    {
        Assert.Null(step.Refusal);
        return step.Ceremony;
    }

    private static CeremonyRefusal Refused((Ceremony Ceremony, CeremonyRefusal? Refusal) step) => Assert.IsType<CeremonyRefusal>(step.Refusal);

    [Fact]
    public void Commitments_and_seeds_match_the_spec_vectors()
    {
        Assert.Equal(
            ["f108af40a1363b76194f0795ec8706a39420cd48ba49160ab9e12155f0e12c17", "c84474a5eed7dc3479235143e766f0456fe9ee5eb299ad5b03a8cc8c870427d3",
             "6a4cabf638b181e93ddc7cf607adaefbde5587877505c940cc77441fabd07d47"],
            Witnesses.Select(w => WitnessCeremony.Commitment(Task, w.Value, w.Nonce)));
        var closed = Ok(WitnessCeremony.Close(Committed(), "D1", Now));
        var two = Ok(WitnessCeremony.Reveal(closed, Task, Witnesses[0].Witness, Witnesses[0].Value, Witnesses[0].Nonce, Now));
        two = Ok(WitnessCeremony.Reveal(two, Task, Witnesses[1].Witness, Witnesses[1].Value, Witnesses[1].Nonce, Now));
        var all = Ok(WitnessCeremony.Reveal(two, Task, Witnesses[2].Witness, Witnesses[2].Value, Witnesses[2].Nonce, Now));
        Assert.Equal("c9e72a90dcbed65a6b01765988f13c0ebc53a66d3faad5607037f93cd13abce1",
            DrawPrimitives.Hex(WitnessCeremony.DeriveSeed(Secret, Task, DrawPrimitives.AlgorithmVersion, Ok(WitnessCeremony.RecordBeacon(all, "a1b2c3d4", Due)))));
        // The third witness did not reveal: the seed counts its commitment as unopened.
        Assert.Equal("81ba9588fac13cf9c87eac0d03c7d9e473bd386902fac241184739ba280dfa9d",
            DrawPrimitives.Hex(WitnessCeremony.DeriveSeed(Secret, Task, DrawPrimitives.AlgorithmVersion, Ok(WitnessCeremony.RecordBeacon(two, "a1b2c3d4", Due)))));
    }

    [Fact]
    public void Every_contribution_is_committed_before_any_is_revealed_and_the_beacon_comes_last()
    {
        var open = WitnessCeremony.Start(Beacon, 2);
        Refused(WitnessCeremony.Reveal(open, Task, Witnesses[0].Witness, "31415", Witnesses[0].Nonce, Now));
        Refused(WitnessCeremony.RecordBeacon(open, "a1b2c3d4", Due));
        var c = Committed();
        Assert.Equal(WitnessCeremony.Committing, c.Phase);
        var closed = Ok(WitnessCeremony.Close(c, "D1", Now));
        Assert.Equal(WitnessCeremony.Revealing, closed.Phase);
        // No commitment after the close; no reveal that does not open the commitment; no second reveal.
        Assert.Empty(Refused(WitnessCeremony.Commit(closed, "Late (late)", null, new string('a', 64), Now)).Errors);
        Assert.Equal("value", Assert.Single(Refused(WitnessCeremony.Reveal(closed, Task, Witnesses[0].Witness, "31416", Witnesses[0].Nonce, Now)).Errors).Field);
        Assert.Equal("value", Assert.Single(Refused(WitnessCeremony.Reveal(closed, Task, "Nobody (nobody)", "1", Witnesses[0].Nonce, Now)).Errors).Field);
        var revealed = Ok(WitnessCeremony.Reveal(closed, Task, Witnesses[0].Witness, "31415", Witnesses[0].Nonce, Now));
        // The same reveal again (a retry after a lost answer) changes nothing; another one is refused.
        Assert.Same(revealed, Ok(WitnessCeremony.Reveal(revealed, Task, Witnesses[0].Witness, "31415", Witnesses[0].Nonce, Now.AddMinutes(1))));
        Refused(WitnessCeremony.Reveal(revealed, Task, Witnesses[0].Witness, "31416", Witnesses[0].Nonce, Now));
        Assert.Same(closed, Ok(WitnessCeremony.Close(closed, "D1", Now.AddMinutes(1))));
        // The beacon value: not before its round is due, once, and it closes the reveals.
        Refused(WitnessCeremony.RecordBeacon(revealed, "a1b2c3d4", Due.AddSeconds(-1)));
        var ready = Ok(WitnessCeremony.RecordBeacon(revealed, " a1b2c3d4 ", Due));
        Assert.Equal(("a1b2c3d4", WitnessCeremony.Ready), (ready.BeaconValue!.Value, ready.Phase));
        Refused(WitnessCeremony.RecordBeacon(ready, "ffff", Due));
        Assert.Same(ready, Ok(WitnessCeremony.RecordBeacon(ready, "a1b2c3d4", Due.AddHours(1))));
        Refused(WitnessCeremony.Reveal(ready, Task, Witnesses[1].Witness, "92653", Witnesses[1].Nonce, Due));
        Assert.Empty(WitnessCeremony.Problems(Task, ready));
    }

    [Fact]
    public void The_close_needs_enough_witnesses_one_from_outside_the_lead_department_and_a_round_not_yet_due()
    {
        var one = Ok(WitnessCeremony.Commit(WitnessCeremony.Start(Beacon, 2), "A (a)", "D1", new string('1', 64), Now));
        Assert.Contains("1 of the 2", Refused(WitnessCeremony.Close(one, "D1", Now)).Reason);
        var insiders = Ok(WitnessCeremony.Commit(one, "B (b)", "D1", new string('2', 64), Now));
        Assert.Contains("outside the lead department", Refused(WitnessCeremony.Close(insiders, "D1", Now)).Reason);
        Ok(WitnessCeremony.Close(insiders, "D2", Now));
        var withOutsider = Ok(WitnessCeremony.Commit(insiders, "C (c)", null, new string('3', 64), Now));
        Assert.Contains("was due", Refused(WitnessCeremony.Close(withOutsider, "D1", Due)).Reason);
        Ok(WitnessCeremony.Close(withOutsider, "D1", Due.AddSeconds(-1)));
    }

    [Fact]
    public void A_witness_commits_once_with_a_well_formed_commitment_of_their_own()
    {
        var c = Committed();
        Assert.Same(c, Ok(WitnessCeremony.Commit(c, Witnesses[0].Witness, null, c.Commitments[0].Commitment, Now.AddMinutes(1))));
        Assert.Equal("commitment", Assert.Single(Refused(WitnessCeremony.Commit(c, Witnesses[0].Witness, null, new string('b', 64), Now)).Errors).Field);
        Assert.Equal("commitment", Assert.Single(Refused(WitnessCeremony.Commit(c, "New (new)", null, "ABC", Now)).Errors).Field);
        Assert.Equal("commitment", Assert.Single(Refused(WitnessCeremony.Commit(c, "New (new)", null, c.Commitments[0].Commitment, Now)).Errors).Field);
    }

    [Fact]
    public void A_beacon_must_name_a_round_that_is_not_yet_due()
    {
        Assert.Empty(WitnessCeremony.NameProblems(Beacon, Now));
        Assert.Equal(["beacon"], WitnessCeremony.NameProblems(null, Now).Select(e => e.Field));
        Assert.Equal(["beacon.source", "beacon.round", "beacon.expectedAt"],
            WitnessCeremony.NameProblems(new NamedBeacon(" ", "", Due), Due).Select(e => e.Field));
        Assert.Equal("2027-01-04T02:00:00Z", WitnessCeremony.Normalize(new NamedBeacon(" s ", " r ", Due.AddMilliseconds(900).ToOffset(TimeSpan.FromHours(8)))).ExpectedAtText);
    }

    [Fact]
    public void A_verifier_finds_a_reveal_that_does_not_open_its_commitment_and_a_beacon_recorded_early()
    {
        var closed = Ok(WitnessCeremony.Close(Committed(), "D1", Now));
        var ready = Ok(WitnessCeremony.RecordBeacon(Ok(WitnessCeremony.Reveal(closed, Task, Witnesses[0].Witness, "31415", Witnesses[0].Nonce, Now)), "x", Due));
        var forged = ready with { Reveals = [ready.Reveals[0] with { Value = "31416" }] };
        Assert.Contains(WitnessCeremony.Problems(Task, forged), p => p.Contains("does not open", StringComparison.Ordinal));
        var early = ready with { BeaconValue = ready.BeaconValue! with { At = Due.AddMinutes(-1) } };
        Assert.Contains(WitnessCeremony.Problems(Task, early), p => p.Contains("before its round was due", StringComparison.Ordinal));
        var late = ready with { ClosedAt = Due };
        Assert.Contains(WitnessCeremony.Problems(Task, late), p => p.Contains("already due", StringComparison.Ordinal));
    }

    [Fact]
    public void Everything_stored_before_the_beacon_value_exists_predicts_no_seed()
    {
        // A database reader who also holds the secret and every commitment and reveal has no seed until the beacon value
        // exists, and each possible beacon value gives another seed: nothing stored before it fixes the draw.
        var c = Ok(WitnessCeremony.Close(Committed(), "D1", Now));
        foreach (var (w, _, v, n) in Witnesses) c = Ok(WitnessCeremony.Reveal(c, Task, w, v, n, Now));
        Assert.Throws<ArgumentException>(() => WitnessCeremony.DeriveSeed(Secret, Task, DrawPrimitives.AlgorithmVersion, c));
        var seeds = Enumerable.Range(0, 64)
            .Select(i => DrawPrimitives.Hex(WitnessCeremony.DeriveSeed(Secret, Task, DrawPrimitives.AlgorithmVersion, Ok(WitnessCeremony.RecordBeacon(c, $"round-value-{i}", Due)))))
            .ToHashSet(StringComparer.Ordinal);
        Assert.Equal(64, seeds.Count);
        // And a witness who stays away changes the seed only as the rule says (unopened), not to a value of their choosing.
        var withoutThird = Ok(WitnessCeremony.Close(Committed(), "D1", Now));
        foreach (var (w, _, v, n) in Witnesses.Take(2)) withoutThird = Ok(WitnessCeremony.Reveal(withoutThird, Task, w, v, n, Now));
        Assert.NotEqual(
            WitnessCeremony.DeriveSeed(Secret, Task, DrawPrimitives.AlgorithmVersion, Ok(WitnessCeremony.RecordBeacon(c, "x", Due))),
            WitnessCeremony.DeriveSeed(Secret, Task, DrawPrimitives.AlgorithmVersion, Ok(WitnessCeremony.RecordBeacon(withoutThird, "x", Due))));
    }
}
