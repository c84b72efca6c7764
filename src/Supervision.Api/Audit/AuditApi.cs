using Supervision.Core.Registry;
using Microsoft.AspNetCore.Http.HttpResults;
using Supervision.Api.Common;
using Supervision.Api.Identity;
using Supervision.Infrastructure.Audit;
using Supervision.Core.Validation;

namespace Supervision.Api.Audit;

public static class AuditApi
{
    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/audit", List).WithTags("Audit").RequireAuthorization(Policies.AuditReaders)
            .WithSummary("The audit log, newest first. Admins and auditors see everything; schedulers and reviewers their own department's entries.");
        return app;
    }

    private static async Task<Results<Ok<Page<AuditEntry>>, ValidationProblem>> List(
        string? subjectType, string? subjectKey, string? actor, string? department, long? before, int? limit,
        HttpContext http, AuditLog audit, CancellationToken ct)
    {
        if (!Paging.TryLimit(limit, out var take, out var problem))
        {
            return problem!;
        }

        var caller = http.User.ToActor();
        if (!caller.IsAdmin && !caller.Has(Supervision.Core.Identity.Roles.Auditor))
        {
            if (department is not null && department != caller.DepartmentCode)
            {
                return Problems.Validation(FieldError.NotAllowed("department", "you can only read your own department's audit entries"));
            }

            department = caller.DepartmentCode ?? "\u0000none";
        }

        var rows = await audit.ListAsync(subjectType, subjectKey, actor, department, before, take, ct);
        return TypedResults.Ok(Paging.Of(rows, take, r => r.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }
}
