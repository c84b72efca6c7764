using System.Text;
using Supervision.Core.Credit;
using Supervision.Core.Registry;

namespace Supervision.Core.Tests.Credit;

public sealed class ExternalCreditCsvTests
{
    private static readonly DateOnly Today = new(2026, 6, 1);

    private static List<CsvReadResult<ExternalCreditRecord>> Read(string text) =>
        [.. ExternalCreditCsv.Read(new MemoryStream(Encoding.UTF8.GetBytes(text)), Today)];

    [Fact]
    public void Good_lines_become_records_and_bad_lines_name_line_field_and_reason()
    {
        var results = Read(
            "creditCode,authority,reference,kind,severity,occurredOn,description\n" +
            "91210782MAQRK04DXB,Shenyang AMR,SY-2026-001,penalty,grave,2026-03-01,false advertising\n" +
            "91210782MAQRK04DX,Shenyang AMR,SY-2026-002,penalty,minor,2026-03-01,\n" +
            "91210782MAQRK04DXB,,SY-2026-003,penalty,huge,2026-13-01,\n" +
            "91210782MAQRK04DXB,Shenyang AMR,SY-2026-004,serious-violation,,2027-01-01,\n" +
            "91210782MAQRK04DXB,Tax bureau,T-9,行政处罚,较重,2025-12-31,\n");
        Assert.Equal(5, results.Count);
        var first = Assert.IsType<ExternalCreditRecord>(results[0].Record);
        Assert.Equal((ExternalRecordKind.Penalty, PenaltySeverity.Grave, new DateOnly(2026, 3, 1)), (first.Kind, first.Severity, first.OccurredOn));
        Assert.Equal(CreditEventKind.ExternalPenalty, first.ToEvent().Kind);
        Assert.Equal(3, results[1].LineNumber);
        Assert.Equal("creditCode", Assert.Single(results[1].Errors).Field);
        Assert.Equal(["authority", "severity", "occurredOn"], results[2].Errors.Select(e => e.Field));
        Assert.Contains("future", Assert.Single(results[3].Errors).Reason, StringComparison.Ordinal);
        Assert.Equal(PenaltySeverity.Serious, results[4].Record!.Severity);
    }

    [Fact]
    public void A_file_without_the_required_columns_is_refused_as_a_whole()
    {
        var result = Assert.Single(Read("creditCode,name\n91210782MAQRK04DXB,x\n"));
        Assert.Equal(CsvProblem.WrongHeader, result.Problem);
        Assert.Contains("authority", result.Errors[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Dates_are_Beijing_days()
    {
        var r = new ExternalCreditRecord("91210782MAQRK04DXB", "a", "r", ExternalRecordKind.SeriousViolation, null, new DateOnly(2026, 3, 1), "");
        Assert.Equal(new DateTimeOffset(2026, 2, 28, 16, 0, 0, TimeSpan.Zero), r.ToEvent().At);
        Assert.Equal(CreditEventKind.SeriousViolationListed, r.ToEvent().Kind);
    }
}
