using Supervision.Core.Calendar;
using Supervision.Core.Tasks;

namespace Supervision.Core.Tests.Tasks;

public class MatchingDeadlineTests
{
    private static readonly MatchingDeadline Rules = new(WorkingCalendar.Default, MatchingPolicy.Default);

    private static DateOnly D(int month, int day) => new(2026, month, day);

    [Fact]
    public void A_list_that_arrives_on_a_monday_is_due_for_matching_on_the_wednesday() =>
        Assert.Equal(D(6, 17), Rules.Due(D(6, 15)));

    [Fact]
    public void Weekends_and_holidays_do_not_count_a_thursday_list_before_the_dragon_boat_festival_is_due_the_next_tuesday() =>
        // Friday 19 June 2026 is the Dragon Boat Festival; Saturday and Sunday follow.
        Assert.Equal(D(6, 23), Rules.Due(D(6, 18)));

    [Fact]
    public void The_state_moves_from_open_to_due_soon_on_the_working_day_before_and_to_overdue_after_the_due_date()
    {
        Assert.Equal(MatchingState.Open, Rules.On(D(6, 15), null, D(6, 15)).State);
        Assert.Equal(MatchingState.DueSoon, Rules.On(D(6, 15), null, D(6, 16)).State);
        Assert.Equal(MatchingState.DueSoon, Rules.On(D(6, 15), null, D(6, 17)).State);
        var overdue = Rules.On(D(6, 15), null, D(6, 18));
        Assert.Equal(MatchingState.Overdue, overdue.State);
        Assert.Equal(1, overdue.WorkingDaysLate);
    }

    [Fact]
    public void Matching_on_the_due_date_is_on_time_and_after_it_is_late_by_working_days()
    {
        Assert.Equal(MatchingState.MetOnTime, Rules.On(D(6, 15), D(6, 17), D(7, 1)).State);
        var late = Rules.On(D(6, 15), D(6, 22), D(7, 1));
        Assert.Equal(MatchingState.MetLate, late.State);
        // Thursday 18 and Monday 22 are working days; the festival and the weekend are not.
        Assert.Equal(2, late.WorkingDaysLate);
    }

    [Fact]
    public void A_match_on_a_holiday_after_the_due_date_is_still_late()
    {
        var onTheHoliday = Rules.On(D(6, 16), D(6, 19), D(7, 1));
        Assert.Equal(D(6, 18), onTheHoliday.Due);
        Assert.Equal(MatchingState.MetLate, onTheHoliday.State);
        Assert.Equal(1, onTheHoliday.WorkingDaysLate);
    }

    [Fact]
    public void Each_reminder_is_owed_once_and_a_task_found_overdue_gets_only_the_overdue_one()
    {
        Assert.Null(Rules.ReminderOwed(D(6, 15), null, D(6, 15)));
        Assert.Equal(MatchingReminders.DueSoon, Rules.ReminderOwed(D(6, 15), null, D(6, 16)));
        Assert.Null(Rules.ReminderOwed(D(6, 15), MatchingReminders.DueSoon, D(6, 17)));
        Assert.Equal(MatchingReminders.Overdue, Rules.ReminderOwed(D(6, 15), MatchingReminders.DueSoon, D(6, 18)));
        Assert.Null(Rules.ReminderOwed(D(6, 15), MatchingReminders.Overdue, D(6, 30)));
        Assert.Equal(MatchingReminders.Overdue, Rules.ReminderOwed(D(6, 15), null, D(8, 3)));
    }

    [Fact]
    public void The_policy_sets_the_number_of_working_days()
    {
        var five = new MatchingDeadline(WorkingCalendar.Default, new MatchingPolicy(5, 2));
        Assert.Equal(D(6, 23), five.Due(D(6, 15))); // 16, 17, 18, (the festival and the weekend), 22, 23
        Assert.Equal(MatchingState.Open, five.On(D(6, 15), null, D(6, 17)).State);
        Assert.Equal(MatchingState.DueSoon, five.On(D(6, 15), null, D(6, 18)).State);
    }

    [Fact]
    public void Past_the_calendars_data_there_is_no_due_date_and_no_reminder_rather_than_a_guess()
    {
        var far = new DateOnly(2999, 1, 4);
        Assert.False(WorkingCalendar.Default.Covers(far));
        Assert.Null(Rules.Due(far));
        Assert.Equal(MatchingState.Open, Rules.On(far, null, far.AddDays(30)).State);
        Assert.Null(Rules.ReminderOwed(far, null, far.AddDays(30)));
    }

    [Fact]
    public void For_every_arrival_in_a_year_the_due_date_is_exactly_the_policys_working_days_later()
    {
        var calendar = WorkingCalendar.Default;
        for (var day = D(1, 1); day <= D(12, 20); day = day.AddDays(1))
        {
            var due = Rules.Due(day)!.Value;
            Assert.Equal(2, calendar.WorkingDaysBetween(day, due));
            Assert.True(calendar.IsWorkingDay(due), $"{due} is not a working day");
        }
    }
}
