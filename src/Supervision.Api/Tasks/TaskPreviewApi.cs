using Microsoft.AspNetCore.Http.HttpResults;
using Supervision.Api.Common;
using Supervision.Api.Identity;
using Supervision.Core.Reference;
using Supervision.Core.Tasks;
using Supervision.Infrastructure.Registry;
using Supervision.Infrastructure.Storage;
using Supervision.Infrastructure.Tasks;
using Supervision.Core.Validation;

namespace Supervision.Api.Tasks;

/// <summary>What the preview needs, bundled (as eShop's services records).</summary>
public sealed record TaskPreviewServices(SqlStore Sql, InspectionItemStore Items, ReferenceData Reference, TimeProvider Clock);

/// <summary>
/// POST /api/tasks/preview: a draft task's population per credit class and the sample its rule is expected to draw,
/// before anything is created or frozen. The same validation as creating a task (field errors as problem details), except
/// that name and deadline may still be blank.
/// </summary>
public static class TaskPreviewApi
{
    public static IEndpointRouteBuilder MapTaskPreviewApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/tasks/preview", Preview).WithTags("Tasks and draws").RequireAuthorization(Policies.Scheduling)
            .WithSummary("Census per credit class under the filter and the expected sample under the sampling rule (no exclusions yet).");
        return app;
    }

    private static async Task<Results<Ok<TaskPreview>, ValidationProblem>> Preview(TaskDraft? draft, [AsParameters] TaskPreviewServices s, CancellationToken ct)
    {
        if (draft is null) return Problems.Validation(FieldError.Required("body", "is required: the task as you would create it"));
        var today = DateOnly.FromDateTime(s.Clock.GetUtcNow().UtcDateTime);
        var lenient = draft with
        {
            Name = string.IsNullOrWhiteSpace(draft.Name) ? "preview" : draft.Name,
            Deadline = draft.Deadline ?? today,
        };
        var (definition, errors) = TaskDefinitions.Normalize(lenient, s.Reference, today);
        if (definition is null) return Problems.Validation(errors);
        // The items' object scope limits the population as the freeze will (an item for food businesses draws no mine).
        var taskItems = await s.Items.GetManyAsync(definition.Items, ct);
        var scope = ItemScopes.Restricting(InspectionItemStore.Scopes(definition.Items, taskItems, s.Reference));
        var census = await TaskPreviewQuery.CountByClassAsync(s.Sql, definition, scope, ct);
        var preview = SamplePreview.Of(definition, census);
        // The freeze's staffing check, with the expected sample: a task whose teams could never be staffed is named now.
        var requirements = definition.Requirements(code => taskItems.TryGetValue(code, out var item) ? item.DepartmentCode : null);
        IReadOnlyList<(Supervision.Core.Draw.Inspector Inspector, string[] Conflicts)> inspectors;
        await using (var connection = await s.Sql.OpenAsync(ct))
            inspectors = await DrawSnapshotStore.LoadDepartmentInspectorsAsync(connection, definition.Departments, ct);
        var staffing = Supervision.Core.Draw.InspectorDraw.StaffingProblems(
            new Supervision.Core.Draw.InspectorDrawParameters(today, definition.TeamSize, definition.WorkloadCap, requirements),
            inspectors.Select(i => i.Inspector).ToArray(), (long)Math.Ceiling(preview.ExpectedSample));
        return TypedResults.Ok(preview with { Staffing = staffing, Scope = scope });
    }
}
