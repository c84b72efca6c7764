using Microsoft.AspNetCore.Http.HttpResults;
using Supervision.Api.Common;
using Supervision.Core.Reference;

namespace Supervision.Api.Registry;

/// <summary>
/// The shipped reference tables (divisions, industries, entity types, statuses, result codes, credit classes) with
/// their versions. Public: forms and open-data users need the same code lists the platform validates against.
/// </summary>
public static class ReferenceApi
{
    public static IEndpointRouteBuilder MapReferenceApi(this IEndpointRouteBuilder app)
    {
        var reference = app.MapGroup("/api/reference").WithTags("Reference data").AllowAnonymous();
        reference.MapGet("/", (ReferenceData data) => TypedResults.Ok(data.Versions))
            .WithSummary("Each reference table with its version, effective date and source.");
        reference.MapGet("/{table}", Table).WithSummary("One reference table: divisions, industries, entity-types, entity-statuses, result-codes.");
        return app;
    }

    private static Results<Ok<object>, ProblemHttpResult> Table(string table, string? under, ReferenceData data) => table switch
    {
        "divisions" => TypedResults.Ok<object>(under is null ? data.Divisions : data.Divisions.Where(d => d.Code.StartsWith(under.TrimEnd('0'), StringComparison.Ordinal)).ToList()),
        "industries" => TypedResults.Ok<object>(new { sections = data.IndustrySections, divisions = data.IndustryDivisions }),
        "entity-types" => TypedResults.Ok<object>(data.EntityTypes),
        "entity-statuses" => TypedResults.Ok<object>(data.EntityStatuses),
        "result-codes" => TypedResults.Ok<object>(data.ResultCodes),
        _ => Problems.NotFound("reference table", table),
    };
}
