using Microsoft.AspNetCore.Http.HttpResults;
using Supervision.Api.Common;
using Supervision.Api.Identity;
using Supervision.Core.Calendar;
using Supervision.Core.Identity;
using Supervision.Core.Inspections;
using Supervision.Core.Publication;
using Supervision.Infrastructure.Publication;
using Supervision.Core.Validation;

namespace Supervision.Api.Publication;

public sealed record DeadlineEntry(string InspectionId, string TaskId, string EntityCreditCode, string EntityName, DateOnly? ApprovedOn,
    DateOnly? PublicationDue, DateOnly? PublishedOn, string Status, int? WorkingDaysLeft, bool PublicationDueProvisional);

public sealed record DepartmentDeadlines(string Department, int Pending, int DueSoon, int Overdue, int PublishedLate,
    IReadOnlyList<DeadlineEntry> Upcoming, IReadOnlyList<DeadlineEntry> Missed);

public sealed record DeadlineReport(DateOnly Today, IReadOnlyList<DepartmentDeadlines> Departments);

public sealed record PublicationSettingsRequest(string? PublishMode, bool? PublishTeamNames);

/// <summary>What the publication routes need, bundled (as eShop's services records).</summary>
public sealed record PublicationServices(PublicationQueries Queries, IPublicationSettingsService Settings, InspectionRules Rules, WorkflowClock Clock);

/// <summary>
/// Staff routes of publication: the deadline report (approved results waiting for publication, due soon, overdue,
/// and publications that came late) and a department's publication settings. Reads by schedulers and reviewers of
/// their own department (admins: all); settings by the department's scheduler or an admin.
/// </summary>
public static class PublicationApi
{
    public static IEndpointRouteBuilder MapPublicationApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/publication").WithTags("Publication");
        group.MapGet("/deadlines", Deadlines).RequireAuthorization(Policies.Staff)
            .WithSummary("Publication deadlines per department: results to publish (due soon, overdue) and publications that missed the 20-working-day deadline.");
        group.MapGet("/departments/{code}", GetSettings).RequireAuthorization(Policies.Staff)
            .WithSummary("A department's publication settings: publish mode (automatic / publisher) and whether team names are published.");
        group.MapPut("/departments/{code}", PutSettings).RequireAuthorization(Policies.Scheduling)
            .WithSummary("Change a department's publication settings (If-Match: the department version).");
        return app;
    }

    private static async Task<Results<Ok<DeadlineReport>, ProblemHttpResult>> Deadlines(string? department, HttpContext http, [AsParameters] PublicationServices s,
        CancellationToken ct)
    {
        var actor = http.User.ToActor();
        if (!actor.IsAdmin)
        {
            if (actor.DepartmentCode is null) return Problems.Forbidden("Your account has no department.");
            if (department is not null && department != actor.DepartmentCode)
                return Problems.Forbidden($"You see the publication deadlines of {actor.DepartmentCode} only.");
            department = actor.DepartmentCode;
        }
        var today = s.Clock.Today;
        var pending = await s.Queries.PendingAsync(department, ct);
        var late = await s.Queries.PublishedLateAsync(department, ct);
        DeadlineEntry Entry(PublicationDeadlineRow r, string status, int? left) =>
            new(r.InspectionId, r.TaskId, r.EntityCreditCode, r.EntityName, r.ApprovedOn, r.PublicationDue, r.PublishedOn, status, left,
                r.PublicationDue is { } d && s.Rules.Calendar.IsProvisional(d));

        var byDepartment = pending.Select(r => r.LeadDepartment).Concat(late.Select(r => r.LeadDepartment)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var report = byDepartment.Select(d =>
        {
            var upcoming = pending.Where(r => r.LeadDepartment == d).Select(r => Entry(r,
                PublicationDeadlines.Status(today, r.PublicationDue, r.PublicationOverdue, s.Rules.Deadlines),
                r.PublicationDue is { } due ? PublicationDeadlines.WorkingDaysLeft(today, due, s.Rules.Calendar) : null)).ToList();
            var missed = upcoming.Where(e => e.Status == PublicationDeadlines.Overdue)
                .Concat(late.Where(r => r.LeadDepartment == d).Select(r => Entry(r, PublicationDeadlines.PublishedLate, null))).ToList();
            return new DepartmentDeadlines(d, upcoming.Count, upcoming.Count(e => e.Status == PublicationDeadlines.DueSoon),
                upcoming.Count(e => e.Status == PublicationDeadlines.Overdue), late.Count(r => r.LeadDepartment == d),
                upcoming.Where(e => e.Status != PublicationDeadlines.Overdue).ToList(), missed);
        }).ToList();
        return TypedResults.Ok(new DeadlineReport(today, report));
    }

    private static async Task<Results<Ok<PublicationSettings>, ProblemHttpResult>> GetSettings(string code, HttpContext http, [AsParameters] PublicationServices s,
        CancellationToken ct)
    {
        var settings = await s.Queries.SettingsAsync(code, ct);
        if (settings is null) return Problems.NotFound("department", code);
        ETags.Set(http.Response, settings.Version);
        return TypedResults.Ok(settings);
    }

    private static Task<Results<Ok<PublicationSettings>, ValidationProblem, ProblemHttpResult>> PutSettings(string code, PublicationSettingsRequest? request,
        HttpContext http, [AsParameters] PublicationServices s, CancellationToken ct) =>
        Answers.UpdatedAsync(http, "department", code, expected =>
            s.Settings.ChangeAsync(code, request?.PublishMode, request?.PublishTeamNames, expected, http.User.ToActor(), ct));
}
