using Supervision.Core.Calendar;
using Supervision.Core.Inspections;
using Supervision.Core.Publication;

namespace Supervision.Core.Tests.Publication;

public class PublicationSettingsTests
{
    private static readonly PublicationSettings Current = new("SAMR-210102", PublicationSettings.Publisher, false, 4);

    [Fact]
    public void A_change_takes_what_it_names_and_keeps_the_rest()
    {
        Assert.Equal(Current with { PublishMode = "automatic" }, Current.Change("automatic", null).Next);
        Assert.Equal(Current with { PublishTeamNames = true }, Current.Change(null, true).Next);
        Assert.Equal(Current, Current.Change(null, null).Next);
    }

    [Theory]
    [InlineData("Automatic")]
    [InlineData("manual")]
    [InlineData("")]
    public void A_publish_mode_other_than_automatic_or_publisher_is_refused_naming_the_field(string mode)
    {
        var (next, error) = Current.Change(mode, true);
        Assert.Null(next);
        Assert.Equal("publishMode", error!.Field);
    }

    [Fact]
    public void Only_the_automatic_mode_publishes_with_the_approval()
    {
        Assert.True(PublicationSettings.PublishesAutomatically("automatic"));
        Assert.False(PublicationSettings.PublishesAutomatically("publisher"));
        Assert.False(PublicationSettings.PublishesAutomatically(null));
    }
}

public class PublicationDeadlinesTests
{
    private static readonly Deadlines Deadlines = new(WorkingCalendar.Default, DeadlinePolicy.Default);
    private static readonly DateOnly Due = new(2025, 2, 27); // warnings from Monday 24 February

    [Theory]
    [InlineData(2025, 2, 21, false, PublicationDeadlines.NotDue)]
    [InlineData(2025, 2, 24, false, PublicationDeadlines.DueSoon)]
    [InlineData(2025, 2, 27, false, PublicationDeadlines.DueSoon)]
    [InlineData(2025, 2, 28, false, PublicationDeadlines.Overdue)]
    [InlineData(2025, 2, 21, true, PublicationDeadlines.Overdue)] // marked overdue by the reminder: it stays overdue
    public void A_result_waiting_for_publication_is_not_due_due_soon_or_overdue(int y, int m, int d, bool marked, string expected) =>
        Assert.Equal(expected, PublicationDeadlines.Status(new DateOnly(y, m, d), Due, marked, Deadlines));

    [Fact]
    public void Without_a_due_date_the_status_is_unknown() =>
        Assert.Equal(PublicationDeadlines.Unknown, PublicationDeadlines.Status(new DateOnly(2025, 2, 21), null, true, Deadlines));

    [Fact]
    public void Beyond_the_calendar_data_a_date_is_not_due_and_its_working_days_unknown()
    {
        var far = new DateOnly(2200, 1, 1);
        Assert.Equal(PublicationDeadlines.NotDue, PublicationDeadlines.Status(new DateOnly(2025, 2, 21), far, false, Deadlines));
        Assert.Null(PublicationDeadlines.WorkingDaysLeft(new DateOnly(2025, 2, 21), far, WorkingCalendar.Default));
        Assert.Equal(4, PublicationDeadlines.WorkingDaysLeft(new DateOnly(2025, 2, 21), Due, WorkingCalendar.Default));
    }
}
