using System.Security.Cryptography;
using CsCheck;
using Supervision.Core.Registry;
using Supervision.Core.Reference;

namespace Supervision.Core.Tests.Registry;

public class SyntheticDirectoryTests
{
    private static byte[] EntitiesCsv(ulong seed, long count)
    {
        var ms = new MemoryStream();
        new SyntheticDirectory(seed, count, 0).WriteEntitiesCsv(ms);
        return ms.ToArray();
    }

    [Fact]
    public void The_same_seed_gives_byte_identical_csv()
    {
        // 70,000 rows span several parallel chunks.
        Assert.Equal(SHA256.HashData(EntitiesCsv(42, 70_000)), SHA256.HashData(EntitiesCsv(42, 70_000)));
        Assert.NotEqual(SHA256.HashData(EntitiesCsv(42, 1000)), SHA256.HashData(EntitiesCsv(43, 1000)));
    }

    [Fact]
    public void The_csv_is_the_same_as_writing_the_enumerated_records()
    {
        var gen = new SyntheticDirectory(5, 40_000, 0);
        var ms = new MemoryStream();
        DirectoryCsv.WriteEntities(ms, gen.Entities());
        Assert.Equal(ms.ToArray(), EntitiesCsv(5, 40_000));
    }

    [Fact]
    public void A_smaller_directory_is_a_prefix_of_a_larger_one_with_the_same_seed()
    {
        var small = new SyntheticDirectory(9, 100, 0).Entities().ToList();
        var large = new SyntheticDirectory(9, 100_000, 0);
        Assert.All(small.Select((e, i) => (e, i)), x => Assert.True(x.e.SameAs(large.Entity(x.i))));
    }

    [Fact]
    public void Generated_entities_are_valid_with_unique_credit_codes()
    {
        var gen = new SyntheticDirectory(2024, 100_000, 0);
        var codes = new HashSet<string>();
        foreach (var e in gen.Entities())
        {
            var v = MarketEntityValidator.Validate(e, ReferenceData.Default, ValidationMode.Strict);
            Assert.True(v.IsValid, string.Join("; ", v.Errors));
            Assert.True(codes.Add(e.CreditCode), e.CreditCode);
            Assert.StartsWith("21", e.DivisionCode, StringComparison.Ordinal);
            Assert.Equal(3, ReferenceData.Default.Division(e.DivisionCode)!.Level);
        }
    }

    [Fact]
    public void Credit_codes_stay_unique_across_seeds_and_sizes_by_property() =>
        Gen.Select(Gen.ULong, Gen.Int[1, 3000]).Sample((seed, n) =>
        {
            var gen = new SyntheticDirectory(seed, n, 0);
            var codes = Enumerable.Range(0, n).Select(i => gen.EntityCreditCode(i)).ToList();
            Assert.Equal(n, codes.Distinct().Count());
            Assert.All(codes, c => Assert.True(CreditCode.IsValid(c), c));
        }, iter: 50);

    [Fact]
    public void Mixes_are_close_to_the_documented_shares()
    {
        var all = new SyntheticDirectory(77, 50_000, 0).Entities().ToList();
        double Share(Func<MarketEntityRecord, bool> p) => all.Count(p) / (double)all.Count;
        Assert.InRange(Share(e => e.CreditClass == "A"), 0.18, 0.22);
        Assert.InRange(Share(e => e.CreditClass == "B"), 0.57, 0.63);
        Assert.InRange(Share(e => e.CreditClass == "C"), 0.13, 0.17);
        Assert.InRange(Share(e => e.CreditClass == "D"), 0.04, 0.06);
        Assert.InRange(Share(e => e.Status == "open"), 0.90, 0.94);
        Assert.InRange(Share(e => e.EntityType == "92"), 0.59, 0.65);
        Assert.InRange(Share(e => e.EntityType == "93"), 0.02, 0.04);
        Assert.InRange(Share(e => e.DivisionCode.StartsWith("2101", StringComparison.Ordinal)), 0.17, 0.25);
        Assert.All(all.Where(e => e.LegacyRegNo is not null), e => Assert.True(e.RegisteredOn < new DateOnly(2015, 10, 1)));
    }

    [Fact]
    public void Inspectors_are_valid_and_their_conflicts_reference_generated_entities()
    {
        var gen = new SyntheticDirectory(8, 5_000, 2_000);
        var entityCodes = gen.Entities().Select(e => e.CreditCode).ToHashSet();
        var departments = gen.Departments.Select(d => d.Code).ToHashSet();
        var itemCodes = gen.Items.Select(i => i.Code).ToHashSet();
        var inspectors = gen.Inspectors().ToList();
        Assert.Equal(inspectors.Count, inspectors.Select(i => i.CertificateNo).Distinct().Count());
        foreach (var i in inspectors)
        {
            var v = InspectorValidator.Validate(i, ValidationMode.Strict, departments.Contains);
            Assert.True(v.IsValid, string.Join("; ", v.Errors));
            Assert.Contains(i.Specialties, s => itemCodes.Contains(s));
            Assert.All(i.Conflicts, c => Assert.Contains(c, entityCodes));
        }

        Assert.InRange(inspectors.Count(i => i.Conflicts.Count > 0), 100, 240);
    }

    [Fact]
    public void Departments_and_items_are_valid_and_consistent()
    {
        var gen = new SyntheticDirectory(1, 0, 0);
        Assert.Equal(15 * 8, gen.Departments.Count);
        var depts = gen.Departments.Select(d => d.Code).ToHashSet();
        Assert.Equal(gen.Departments.Count, depts.Count);
        foreach (var item in gen.Items)
        {
            Assert.True(InspectionItemValidator.Validate(item, ReferenceData.Default).IsValid, item.Code);
            Assert.Contains(item.DepartmentCode, depts);
        }
    }
}
