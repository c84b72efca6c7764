namespace Supervision.Core.Inspections;

/// <summary>An open follow-up as stored: its dates and the issue date of the correction order it belongs to.</summary>
/// <param name="ActionKey">"{inspectionId}/{itemCode}/correction" or "…/reinspection".</param>
/// <param name="Kind">"correction-order" or "reinspection".</param>
/// <param name="CorrectionIssuedOn">The approval date that issued the (inspection, item)'s correction order.</param>
public sealed record OpenFollowUpDeadline(string ActionKey, string Kind, string DepartmentCode, DateOnly? NotBefore, DateOnly DueOn, DateOnly CorrectionIssuedOn);

/// <summary>An abnormal-operations listing not yet removed, with its listing deadline.</summary>
public sealed record OpenListingDeadline(string EntityCreditCode, string SourceInspectionId, DateOnly VerifiedOn, DateOnly ListBy);

/// <summary>A stored deadline that the current calendar puts elsewhere; <see cref="Before"/> (null: none was computed) guards the write.</summary>
/// <param name="SubjectType">"follow-up", "abnormal-listing" or "inspection" (the audit log's subject type).</param>
/// <param name="Field">What moved: "dueOn" (and "notBefore" for a re-inspection), "listBy", "publicationDue".</param>
public sealed record DeadlineChange(string SubjectType, string SubjectKey, string? DepartmentCode, string Field,
    DateOnly? Before, DateOnly After, DateOnly? NotBeforeBefore = null, DateOnly? NotBeforeAfter = null);

/// <summary>
/// Recomputing open deadlines after the working-day calendar changed (a year's official notice replaced the
/// provisional statutory year): each deadline is computed again from the date it counts from, exactly as it was first
/// computed (<see cref="FollowUpRules"/>, <see cref="Deadlines"/>), and a change is returned only where the date moved.
/// Pure: the caller persists the changes, each with an audit line.
/// </summary>
public static class DeadlineRecompute
{
    public static IReadOnlyList<DeadlineChange> FollowUps(FollowUpRules rules, IEnumerable<OpenFollowUpDeadline> open)
    {
        var changes = new List<DeadlineChange>();
        foreach (var f in open)
        {
            var correctionDue = rules.CorrectionDue(f.CorrectionIssuedOn);
            switch (f.Kind)
            {
                case "correction-order" when correctionDue != f.DueOn:
                    changes.Add(new DeadlineChange("follow-up", f.ActionKey, f.DepartmentCode, "dueOn", f.DueOn, correctionDue));
                    break;
                case "reinspection":
                    var (notBefore, dueBy) = rules.ReinspectionWindow(correctionDue);
                    if (notBefore != f.NotBefore || dueBy != f.DueOn)
                    {
                        changes.Add(new DeadlineChange("follow-up", f.ActionKey, f.DepartmentCode, "dueOn", f.DueOn, dueBy, f.NotBefore, notBefore));
                    }

                    break;
            }
        }

        return changes;
    }

    public static IReadOnlyList<DeadlineChange> Listings(FollowUpRules rules, IEnumerable<OpenListingDeadline> open) =>
        [.. open.Select(l => (l, listBy: rules.ListBy(l.VerifiedOn)))
            .Where(x => x.listBy != x.l.ListBy)
            .Select(x => new DeadlineChange("abnormal-listing", $"{x.l.EntityCreditCode}/{x.l.SourceInspectionId}", null, "listBy", x.l.ListBy, x.listBy))];

    /// <summary>The publication deadline of an approved, unpublished inspection, when it moved.</summary>
    public static DeadlineChange? Publication(Deadlines deadlines, string inspectionId, string departmentCode, DateOnly approvedOn, DateOnly? publicationDue)
    {
        var due = deadlines.PublicationDue(approvedOn);
        return due == publicationDue ? null
            : new DeadlineChange("inspection", inspectionId, departmentCode, "publicationDue", publicationDue, due);
    }
}
