using Supervision.Api.Common;
using Supervision.Api.Identity;
using Supervision.Core.Reference;
using Supervision.Core.Tasks;
using Supervision.Infrastructure.Tasks;

namespace Supervision.Api.Tasks;

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

    private static async Task<IResult> Preview(TaskDraft? draft, DrawStore draws, ReferenceData reference, TimeProvider clock, CancellationToken ct)
    {
        if (draft is null) return Problems.Validation("body", "is required: the task as you would create it");
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var lenient = draft with
        {
            Name = string.IsNullOrWhiteSpace(draft.Name) ? "preview" : draft.Name,
            Deadline = draft.Deadline ?? today,
        };
        var (definition, errors) = TaskDefinitions.Normalize(lenient, reference, today);
        if (definition is null) return Problems.Validation(errors);
        var census = await TaskPreviewQuery.CountByClassAsync(draws.Store, definition, ct);
        return TypedResults.Ok(SamplePreview.Of(definition, census));
    }
}
