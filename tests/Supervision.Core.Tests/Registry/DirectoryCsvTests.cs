using System.Text;
using Supervision.Core.Registry;
using Supervision.Core.Reference;

namespace Supervision.Core.Tests.Registry;

[CollectionDefinition(nameof(MemoryMeasurement), DisableParallelization = true)]
public sealed class MemoryMeasurement;

public class DirectoryCsvTests
{
    private const string Header = "creditCode,legacyRegNo,name,entityType,industryCode,divisionCode,address,legalRepresentative,status,registeredOn,creditClass,tags\r\n";
    private const string GoodRow = "91350100M000100Y43,,\"沈阳华瑞商贸有限公司\",91,51,210102,\"辽宁省沈阳市和平区中山路1号\",王伟,开业,2016-03-01,A,小微企业\r\n";

    private static readonly ReferenceData Ref = ReferenceData.Default;

    private static List<CsvReadResult<MarketEntityRecord>> ReadEntities(string text, ValidationMode mode = ValidationMode.Lenient) =>
        DirectoryCsv.ReadEntities(new MemoryStream(Encoding.UTF8.GetBytes(text)), Ref, mode).ToList();

    [Fact]
    public void Entities_round_trip_through_writer_and_reader_with_quotes_commas_and_newlines()
    {
        var gen = new SyntheticDirectory(7, 300, 0);
        var records = gen.Entities().ToList();
        records[0] = records[0] with { Name = "大连\"海润\",贸易有限公司", Address = "辽宁省大连市中山区\n人民路 1 号 ", Tags = ["a b", "食品经营"] };
        records[1] = records[1] with { LegacyRegNo = null, RegisteredOn = null, CreditClass = null, Tags = [] };
        var ms = new MemoryStream();
        DirectoryCsv.WriteEntities(ms, records);
        ms.Position = 0;
        var read = DirectoryCsv.ReadEntities(ms, Ref, ValidationMode.Strict).ToList();

        Assert.All(read, r => Assert.True(r.IsRecord, r.Message));
        Assert.Equal(records.Count, read.Count);
        // Reading trims, so the padded address comes back trimmed.
        var expected = records.Select(r => r.Normalize()).ToList();
        for (var i = 0; i < records.Count; i++)
        {
            Assert.True(expected[i].SameAs(read[i].Record!), $"row {i}: {expected[i]} != {read[i].Record}");
        }

        Assert.Equal(4, read[1].LineNumber); // the quoted newline in row 0 makes it span lines 2–3
    }

    [Fact]
    public void Inspectors_round_trip_through_writer_and_reader()
    {
        var gen = new SyntheticDirectory(11, 1000, 400);
        var records = gen.Inspectors().ToList();
        var ms = new MemoryStream();
        DirectoryCsv.WriteInspectors(ms, records);
        ms.Position = 0;
        var read = DirectoryCsv.ReadInspectors(ms, ValidationMode.Strict, code => gen.Departments.Any(d => d.Code == code)).ToList();
        Assert.Equal(records.Count, read.Count);
        for (var i = 0; i < records.Count; i++)
        {
            Assert.True(read[i].IsRecord, read[i].Message);
            Assert.True(records[i].SameAs(read[i].Record!), $"row {i}");
        }
    }

    [Fact]
    public void Departments_and_items_round_trip()
    {
        var gen = new SyntheticDirectory(1, 0, 0);
        var ms = new MemoryStream();
        gen.WriteDepartmentsCsv(ms);
        ms.Position = 0;
        Assert.Equal(gen.Departments, DirectoryCsv.ReadDepartments(ms).Select(r => r.Record));

        ms = new MemoryStream();
        gen.WriteItemsCsv(ms);
        ms.Position = 0;
        var items = DirectoryCsv.ReadItems(ms, Ref).ToList();
        Assert.All(items, r => Assert.True(r.IsRecord, r.Message));
        Assert.True(gen.Items.Zip(items, (a, b) => a.SameAs(b.Record!)).All(x => x));
    }

    [Fact]
    public void Bad_rows_report_their_line_numbers_and_reading_continues()
    {
        var text = Header
            + GoodRow                                                                                        // line 2
            + "91350100M000100Y4Y,,甲公司,91,51,210102,,,open,,,\r\n"                                          // line 3: checksum (lenient: flagged)
            + "9135I100M000100Y43,,乙公司,91,51,210102,,,open,,,\r\n"                                          // line 4: bad char
            + "91110000600037341L,,,91,99,210199,,,bogus,2020-13-01,E,\r\n"                                     // line 5: many errors
            + "91110000600037341L,,丙公司,91,51\r\n"                                                            // line 6: short row
            + "\"91110000600037341L\",,丁公司,91,51,110105,\"北京市\r\n朝阳区\",,open,,,\r\n";                              // lines 7–8: ok
        var results = ReadEntities(text);

        Assert.Equal([2L, 3, 4, 5, 6, 7], results.Select(r => r.LineNumber));
        Assert.True(results[0].IsRecord);
        Assert.Equal("open", results[0].Record!.Status);
        Assert.True(results[1].IsRecord);
        Assert.Equal([RecordFlags.ChecksumReview], results[1].Flags);
        Assert.Equal(CsvProblem.InvalidRow, results[2].Problem);
        Assert.Equal("creditCode", Assert.Single(results[2].Errors).Field);
        Assert.Contains("character 'I' at position 5", results[2].Message);
        Assert.Equal(
            ["registeredOn", "name", "industryCode", "divisionCode", "status", "creditClass"],
            results[3].Errors.Select(e => e.Field).Distinct());
        Assert.Contains("expected 12 fields, found 5", results[4].Message);
        Assert.True(results[5].IsRecord, results[5].Message);
        Assert.Equal("北京市\r\n朝阳区", results[5].Record!.Address);
    }

    [Fact]
    public void Strict_mode_rejects_a_checksum_failure_that_lenient_mode_flags()
    {
        var text = Header + "91350100M000100Y4Y,,甲公司,91,51,210102,,,open,,,\r\n";
        var strict = Assert.Single(ReadEntities(text, ValidationMode.Strict));
        Assert.Equal(CsvProblem.InvalidRow, strict.Problem);
        Assert.Contains("check character 18 should be '3'", strict.Message);
    }

    [Fact]
    public void A_file_without_the_required_columns_is_rejected_naming_them()
    {
        var r = Assert.Single(ReadEntities("id,title\n1,foo\n2,bar\n"));
        Assert.Equal(CsvProblem.WrongHeader, r.Problem);
        Assert.True(r.IsFatal);
        Assert.Contains("missing column(s) creditCode, name, industryCode, divisionCode", r.Message);
    }

    [Fact]
    public void An_empty_file_is_rejected()
    {
        var r = Assert.Single(ReadEntities(""));
        Assert.Equal(CsvProblem.Empty, r.Problem);
    }

    [Fact]
    public void A_binary_file_is_reported_as_not_utf8()
    {
        var bytes = new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0xFF, 0xFE, 0x00 };
        var r = Assert.Single(DirectoryCsv.ReadEntities(new MemoryStream(bytes), Ref));
        Assert.Equal(CsvProblem.InvalidUtf8, r.Problem);
    }

    [Fact]
    public void Invalid_utf8_after_good_rows_keeps_the_rows_before_it_and_stops()
    {
        var good = string.Concat(Enumerable.Repeat(GoodRow, 3000)); // > the reader's buffer
        var bytes = Encoding.UTF8.GetBytes(Header + good).Concat(new byte[] { 0xC3, 0x28, 0x2C, 0x0D, 0x0A }).ToArray();
        var results = DirectoryCsv.ReadEntities(new MemoryStream(bytes), Ref).ToList();
        Assert.Equal(CsvProblem.InvalidUtf8, results[^1].Problem);
        Assert.Contains(results, r => r.IsRecord);
        Assert.All(results.SkipLast(1), r => Assert.True(r.IsRecord));
    }

    [Fact]
    public void A_file_ending_inside_a_quoted_field_is_reported_as_truncated()
    {
        var results = ReadEntities(Header + GoodRow + "91110000600037341L,,\"丙公司,91,51,210102");
        Assert.True(results[0].IsRecord);
        Assert.Equal(CsvProblem.Truncated, results[^1].Problem);
        Assert.Equal(3, results[^1].LineNumber);
        Assert.Contains("ends inside a quoted field", results[^1].Message);
    }

    [Fact]
    public void A_short_last_line_without_a_line_end_is_reported_as_truncated()
    {
        var results = ReadEntities(Header + GoodRow + "91110000600037341L,,丙公司,91,51");
        Assert.Equal(2, results.Count);
        Assert.Equal(CsvProblem.Truncated, results[1].Problem);
        Assert.Contains("5 of 12 fields", results[1].Message);

        // The same short line with a line end is an ordinary bad row.
        var ended = ReadEntities(Header + GoodRow + "91110000600037341L,,丙公司,91,51\n");
        Assert.Equal(CsvProblem.InvalidRow, ended[1].Problem);
    }

    [Fact]
    public void A_bom_and_reordered_columns_are_accepted_and_optional_columns_may_be_absent()
    {
        var text = "\uFEFFname,divisionCode,industryCode,creditCode\n甲公司,210102,6210,91350100M000100Y43\n";
        var r = Assert.Single(ReadEntities(text));
        Assert.True(r.IsRecord, r.Message);
        Assert.Equal("91", r.Record!.EntityType);
        Assert.Equal("open", r.Record.Status);
        Assert.Equal("6210", r.Record.IndustryCode);
    }

    [Fact]
    public async Task The_async_reader_gives_the_same_results_as_the_sync_reader()
    {
        var text = Header + GoodRow + "9135I100M000100Y43,,乙公司,91,51,210102,,,open,,,\r\n" + "91110000600037341L,,\"丙";
        var sync = ReadEntities(text);
        var list = new List<CsvReadResult<MarketEntityRecord>>();
        await foreach (var r in DirectoryCsv.ReadEntitiesAsync(new MemoryStream(Encoding.UTF8.GetBytes(text)), Ref))
        {
            list.Add(r);
        }

        Assert.Equal(sync.Select(r => (r.LineNumber, r.Problem, r.Message)), list.Select(r => (r.LineNumber, r.Problem, r.Message)));
    }
}

[Collection(nameof(MemoryMeasurement))]
public class DirectoryCsvMemoryTests
{
    private static readonly ReferenceData Ref = ReferenceData.Default;

    [Fact]
    public void Reading_a_large_file_streams_with_flat_memory()
    {
        var gen = new SyntheticDirectory(3, 200_000, 0);
        var path = Path.GetTempFileName();
        try
        {
            using (var f = File.Create(path))
            {
                gen.WriteEntitiesCsv(f);
            }

            GC.Collect();
            var before = GC.GetTotalMemory(true);
            long peak = 0, count = 0;
            using (var f = File.OpenRead(path))
            {
                foreach (var r in DirectoryCsv.ReadEntities(f, Ref))
                {
                    Assert.True(r.IsRecord, r.Message);
                    if (++count % 50_000 == 0)
                    {
                        peak = Math.Max(peak, GC.GetTotalMemory(true) - before);
                    }
                }
            }

            Assert.Equal(200_000, count);
            // The file is ~30 MB; retained memory while streaming stays a small constant.
            Assert.True(peak < 4_000_000, $"retained {peak:N0} bytes while streaming");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
