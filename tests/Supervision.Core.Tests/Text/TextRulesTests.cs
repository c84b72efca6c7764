using Supervision.Core.Registry;
using Supervision.Core.Text;
using Supervision.Core.Validation;

namespace Supervision.Core.Tests.Text;

/// <summary>Security review, issue 13, finding 9: control and bidirectional characters were stored and published.</summary>
public class TextRulesTests
{
    [Theory]
    [InlineData("沈阳华瑞商贸有限公司")]
    [InlineData("Shenyang Huarui Trading Co., Ltd.")]
    [InlineData("=HYPERLINK(\"http://x\")")] // printable: kept as typed, neutralised when written to a CSV
    [InlineData("家族👨‍👩‍👧")] // surrogate pairs and a zero-width joiner are text
    [InlineData("")]
    [InlineData(null)]
    public void Ordinary_text_passes(string? value)
    {
        Assert.Null(TextRules.Problem(value));
        Assert.Null(TextRules.Problem(value, multiLine: true));
    }

    [Theory]
    [InlineData("abc\u202Eexe.gpj", "U+202E")] // shows as "abcgpj.exe"
    [InlineData("a\u202Ab", "U+202A")]
    [InlineData("a\u2066b\u2069", "U+2066")]
    [InlineData("a\u200Fb", "U+200F")]
    [InlineData("a\u200Eb", "U+200E")]
    [InlineData("a\u061Cb", "U+061C")]
    [InlineData("a\0b", "U+0000")]
    [InlineData("bell\a", "U+0007")]
    [InlineData("esc\u001B[31m", "U+001B")]
    [InlineData("c1\u0085", "U+0085")]
    [InlineData("del\u007F", "U+007F")]
    [InlineData("line\u2028sep", "U+2028")]
    public void Controls_and_bidi_characters_are_refused_everywhere_naming_the_character(string value, string named)
    {
        Assert.Contains(named, TextRules.Problem(value));
        Assert.Contains(named, TextRules.Problem(value, multiLine: true));
    }

    [Theory]
    [InlineData("two\nlines")]
    [InlineData("tab\tseparated")]
    [InlineData("windows\r\nline")]
    public void Line_breaks_and_tabs_only_in_multi_line_text(string value)
    {
        Assert.Null(TextRules.Problem(value, multiLine: true));
        Assert.Contains("single line", TextRules.Problem(value));
    }

    [Fact]
    public void A_lone_carriage_return_and_an_unpaired_surrogate_are_refused()
    {
        Assert.Contains("carriage return", TextRules.Problem("over\rwrite", multiLine: true));
        Assert.Contains("surrogate", TextRules.Problem("bad\uD800text"));
    }

    [Fact]
    public void Check_adds_one_error_naming_the_field()
    {
        var errors = new List<FieldError>();
        Assert.False(TextRules.Check(errors, "name", "abc\u202Eexe.gpj"));
        Assert.True(TextRules.Check(errors, "findings", "one\ntwo", multiLine: true));
        var error = Assert.Single(errors);
        Assert.Equal("name", error.Field);
        Assert.Contains("position 4", error.Reason);
    }

    [Theory]
    [InlineData("=HYPERLINK(\"http://evil\",\"x\")", "'=HYPERLINK(\"http://evil\",\"x\")")]
    [InlineData("+1", "'+1")]
    [InlineData("-1+2", "'-1+2")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\t=1", "'\t=1")]
    [InlineData("\r=1", "'\r=1")]
    [InlineData("沈阳 = 1", "沈阳 = 1")]
    [InlineData("2026-06-01", "2026-06-01")]
    [InlineData("", "")]
    public void Spreadsheet_cells_that_look_like_formulas_get_a_quote(string cell, string written) =>
        Assert.Equal(written, SpreadsheetCells.Neutralize(cell));
}

/// <summary>Where the rule is applied in the core: directory records, results and reasons, CSV files in and out.</summary>
public class TextRulesInUseTests
{
    [Fact]
    public void The_csv_writer_neutralises_formula_cells_for_people_and_the_reader_reports_the_rows_text_problems()
    {
        using var stream = new MemoryStream();
        using (var writer = new CsvUtf8Writer(stream, neutralizeFormulas: true))
        {
            writer.WriteRow("=1+1", "-5", "ok", "\r=x");
        }

        Assert.Equal("'=1+1,'-5,ok,\"'\r=x\"\r\n", System.Text.Encoding.UTF8.GetString(stream.ToArray()));

        var csv = "creditCode,name,industryCode,divisionCode,address\n91350100M000100Y43,abc\u202Eexe.gpj,5121,210102,\"a\nb\"\n"u8.ToArray();
        var results = DirectoryCsv.ReadEntities(new MemoryStream(csv), Supervision.Core.Reference.ReferenceData.Default).ToList();
        var row = Assert.Single(results);
        Assert.Equal(CsvProblem.InvalidRow, row.Problem);
        Assert.Equal("name", Assert.Single(row.Errors).Field);
    }

    [Fact]
    public void A_directory_file_written_by_the_platform_imports_back_unchanged_even_when_a_name_looks_like_a_formula()
    {
        var reference = Supervision.Core.Reference.ReferenceData.Default;
        var entity = new MarketEntityRecord
        {
            CreditCode = CreditCode.Complete("91210102MA0RT001"), Name = "-号楼餐饮有限公司", EntityType = "91", IndustryCode = "5121",
            DivisionCode = "210102", Address = "=大街1号",
        };
        using var stream = new MemoryStream();
        DirectoryCsv.WriteEntities(stream, [entity]);
        stream.Position = 0;
        var read = Assert.Single(DirectoryCsv.ReadEntities(stream, reference).ToList()).Record!;
        Assert.Equal((entity.Name, entity.Address), (read.Name, read.Address));
    }

    [Fact]
    public void The_csv_reader_refuses_utf16_and_utf32_whole_and_accepts_a_utf8_bom()
    {
        const string text = "code,name,divisionCode\r\n210100-SCJG,沈阳市市场监督管理局,210100\r\n";
        foreach (var encoding in new System.Text.Encoding[] { System.Text.Encoding.Unicode, System.Text.Encoding.BigEndianUnicode, System.Text.Encoding.UTF32 })
        {
            var withBom = DirectoryCsv.ReadDepartments(new MemoryStream([.. encoding.GetPreamble(), .. encoding.GetBytes(text)])).Single();
            Assert.Equal(CsvProblem.UnsupportedEncoding, withBom.Problem);
            Assert.True(withBom.IsFatal);
            Assert.Contains(encoding.WebName.StartsWith("utf-32", StringComparison.Ordinal) ? "UTF-32" : "UTF-16", withBom.Message);
            var bare = DirectoryCsv.ReadDepartments(new MemoryStream(encoding.GetBytes(text))).Single();
            Assert.Equal(CsvProblem.UnsupportedEncoding, bare.Problem);
        }

        var utf8 = DirectoryCsv.ReadDepartments(new MemoryStream([.. System.Text.Encoding.UTF8.GetPreamble(), .. System.Text.Encoding.UTF8.GetBytes(text)])).Single();
        Assert.True(utf8.IsRecord);
        Assert.Equal("210100-SCJG", utf8.Record!.Code);
    }

    [Fact]
    public void Findings_and_reasons_are_multi_line_text_and_still_refuse_other_controls()
    {
        var rules = Supervision.Core.Inspections.ResultCodeRules.Default;
        var validator = new Supervision.Core.Inspections.ResultValidator(Supervision.Core.Reference.ReferenceData.Default, rules, Supervision.Core.Inspections.EvidencePolicy.Default);
        var items = new[] { new Supervision.Core.Inspections.InspectionItem("I1", "D1", Supervision.Core.Inspections.InspectionMethod.Written, ["1", "A"]) };
        var now = DateTimeOffset.UtcNow;
        Supervision.Core.Inspections.ItemResult Result(string findings) => new("I1", ["A"], findings, now.AddHours(-1), null, []);
        Assert.Empty(validator.Validate(items, [Result("第一行\n第二行\t完")], Supervision.Core.Inspections.ValidationMode.Complete, now));
        var errors = validator.Validate(items, [Result("found\u202Eit")], Supervision.Core.Inspections.ValidationMode.Complete, now);
        Assert.Equal("items[0].findings", Assert.Single(errors).Field);
    }
}
