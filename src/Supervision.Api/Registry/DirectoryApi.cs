using Microsoft.AspNetCore.Http.HttpResults;
using Supervision.Api.Common;
using Supervision.Api.Identity;
using Supervision.Contracts.Registry;
using Supervision.Core.Registry;
using Supervision.Infrastructure.Registry;
using Supervision.Infrastructure.Storage;
using Supervision.Core.Validation;

namespace Supervision.Api.Registry;

public sealed record EntityRequest(
    string? CreditCode, string? LegacyRegNo, string? Name, string? EntityType, string? IndustryCode, string? DivisionCode,
    string? Address, string? LegalRepresentative, string? Status, DateOnly? RegisteredOn, IReadOnlyList<string>? Tags);

public sealed record InspectorRequest(
    string? CertificateNo, string? Name, string? DepartmentCode, DateOnly? CertificateExpiresOn,
    IReadOnlyList<string>? Specialties, string? Status, IReadOnlyList<string>? Conflicts);

/// <summary>
/// The two directories (两库). Lists and searches read the directory tables; writes go through the entity's or
/// inspector's grain. Both directories are staff-only: credit classes and inspectors' data are confidential.
/// </summary>
public static class DirectoryApi
{
    public static IEndpointRouteBuilder MapDirectoryApi(this IEndpointRouteBuilder app)
    {
        var entities = app.MapGroup("/api/entities").WithTags("Entity directory").RequireAuthorization(Policies.EntityReaders);
        entities.MapGet("/", ListEntities).WithSummary("Search the entity directory: q matches name or credit-code prefix; division and industry match at any level.");
        entities.MapGet("/{creditCode}", GetEntity).WithSummary("One entity's profile, with its version as the ETag.");
        entities.MapPost("/", CreateEntity).RequireAuthorization(Policies.EntityMaintenance).WithSummary("Add an entity; the credit code is checked strictly (both check characters).");
        entities.MapPut("/{creditCode}", UpdateEntity).RequireAuthorization(Policies.EntityMaintenance)
            .WithSummary("Update an entity's profile; requires If-Match. The status is the registry's to change, the credit class the credit model's.");

        var inspectors = app.MapGroup("/api/inspectors").WithTags("Inspector directory").RequireAuthorization(Policies.InspectorReaders);
        inspectors.MapGet("/", ListInspectors).WithSummary("Inspectors; schedulers and reviewers see their own department's.");
        inspectors.MapGet("/{certificateNo}", GetInspector).WithSummary("One inspector, with its version as the ETag; another department's inspector answers 404.");
        inspectors.MapPost("/", CreateInspector).RequireAuthorization(Policies.InspectorMaintenance).WithSummary("Add an inspector to a department the caller maintains.");
        inspectors.MapPut("/{certificateNo}", UpdateInspector).RequireAuthorization(Policies.InspectorMaintenance).WithSummary("Requires If-Match.");
        return app;
    }

    private static async Task<Results<Ok<Page<MarketEntity>>, ValidationProblem>> ListEntities(
        string? q, string? division, string? industry, string? entityType, string? status, string? creditClass, bool? checksumReview,
        string? after, int? limit, MarketEntityStore store, CancellationToken ct)
    {
        if (!Paging.TryLimit(limit, out var take, out var problem))
        {
            return problem!;
        }

        if (division is not null && (division.Length != 6 || !division.All(char.IsAsciiDigit)))
        {
            return Problems.Validation(FieldError.Format("division", FieldFormats.DivisionCode, "must be a 6-digit GB/T 2260 code", division));
        }

        var rows = await store.ListAsync(new EntityFilter(q, division, industry, entityType, status, creditClass, checksumReview), after, take, ct);
        return TypedResults.Ok(Paging.Of(rows, take, e => e.CreditCode));
    }

    private static async Task<Results<Ok<MarketEntity>, ProblemHttpResult>> GetEntity(string creditCode, HttpContext http, MarketEntityStore store, CancellationToken ct) =>
        Answers.Found(await store.GetAsync(CreditCode.Normalize(creditCode), ct), http, "entity", creditCode);

    private static async Task<Results<Created<MarketEntity>, ValidationProblem, ProblemHttpResult>> CreateEntity(
        EntityRequest request, HttpContext http, IGrainFactory grains, MarketEntityStore store, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.CreditCode))
        {
            return Problems.Validation(FieldError.Required("creditCode"));
        }

        var code = CreditCode.Normalize(request.CreditCode);
        var result = await grains.GetGrain<IMarketEntityGrain>(code).Save(ToRecord(request, code), null, http.User.ToActor());
        return Answers.Created(await Reloaded(result, () => store.GetAsync(code, ct)), http, $"/api/entities/{code}", "entity", code);
    }

    private static Task<Results<Ok<MarketEntity>, ValidationProblem, ProblemHttpResult>> UpdateEntity(
        string creditCode, EntityRequest request, HttpContext http, IGrainFactory grains, MarketEntityStore store, CancellationToken ct)
    {
        var code = CreditCode.Normalize(creditCode);
        return Answers.UpdatedAsync(http, "entity", code, async expected =>
            request.CreditCode is not null && CreditCode.Normalize(request.CreditCode) != code
                ? ChangeResult.Invalid<MarketEntity>([FieldError.CannotChange("creditCode", "cannot change; it is the entity's key")])
                : await Reloaded(await grains.GetGrain<IMarketEntityGrain>(code).Save(ToRecord(request, code), expected, http.User.ToActor()), () => store.GetAsync(code, ct)));
    }

    private static async Task<Results<Ok<Page<Inspector>>, ValidationProblem, ProblemHttpResult>> ListInspectors(
        string? department, string? q, string? status, string? specialty, string? after, int? limit, HttpContext http, InspectorStore store, CancellationToken ct)
    {
        if (!Paging.TryLimit(limit, out var take, out var problem))
        {
            return problem!;
        }

        var actor = http.User.ToActor();
        if (!actor.IsAdmin)
        {
            if (actor.DepartmentCode is null || (department is not null && department != actor.DepartmentCode))
            {
                return Problems.Forbidden("You can only list your own department's inspectors.");
            }

            department = actor.DepartmentCode;
        }

        return TypedResults.Ok(Paging.Of(await store.ListAsync(department, q, status, specialty, after, take, ct), take, i => i.CertificateNo));
    }

    private static async Task<Results<Ok<Inspector>, ProblemHttpResult>> GetInspector(string certificateNo, HttpContext http, InspectorStore store, CancellationToken ct)
    {
        var inspector = await store.GetAsync(certificateNo, ct);
        var actor = http.User.ToActor();
        // Another department's inspector is reported as absent: its existence is not the caller's business.
        return Answers.Found(inspector is not null && (actor.IsAdmin || inspector.DepartmentCode == actor.DepartmentCode) ? inspector : null, http, "inspector", certificateNo);
    }

    private static async Task<Results<Created<Inspector>, ValidationProblem, ProblemHttpResult>> CreateInspector(
        InspectorRequest request, HttpContext http, IGrainFactory grains, InspectorStore store, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.CertificateNo))
        {
            return Problems.Validation(FieldError.Required("certificateNo"));
        }

        var number = request.CertificateNo.Trim();
        var result = await grains.GetGrain<IInspectorGrain>(number).Save(ToRecord(request, number), null, http.User.ToActor());
        return Answers.Created(await Reloaded(result, () => store.GetAsync(number, ct)), http, $"/api/inspectors/{number}", "inspector", number);
    }

    private static Task<Results<Ok<Inspector>, ValidationProblem, ProblemHttpResult>> UpdateInspector(
        string certificateNo, InspectorRequest request, HttpContext http, IGrainFactory grains, InspectorStore store, CancellationToken ct) =>
        Answers.UpdatedAsync(http, "inspector", certificateNo, async expected =>
            request.CertificateNo is not null && request.CertificateNo.Trim() != certificateNo
                ? ChangeResult.Invalid<Inspector>([FieldError.CannotChange("certificateNo", "cannot change; it is the inspector's key")])
                : await Reloaded(await grains.GetGrain<IInspectorGrain>(certificateNo).Save(ToRecord(request, certificateNo), expected, http.User.ToActor()),
                    () => store.GetAsync(certificateNo, ct)));

    private static MarketEntityRecord ToRecord(EntityRequest r, string code) => new()
    {
        CreditCode = code,
        LegacyRegNo = r.LegacyRegNo,
        Name = r.Name ?? string.Empty,
        EntityType = r.EntityType ?? (code.Length >= 2 ? code[..2] : string.Empty),
        IndustryCode = r.IndustryCode ?? string.Empty,
        DivisionCode = r.DivisionCode ?? string.Empty,
        Address = r.Address ?? string.Empty,
        LegalRepresentative = r.LegalRepresentative ?? string.Empty,
        Status = r.Status ?? EntityStatusCodes.Open,
        RegisteredOn = r.RegisteredOn,
        Tags = r.Tags ?? [],
    };

    private static InspectorRecord ToRecord(InspectorRequest r, string number) => new()
    {
        CertificateNo = number,
        Name = r.Name ?? string.Empty,
        DepartmentCode = r.DepartmentCode ?? string.Empty,
        CertificateExpiresOn = r.CertificateExpiresOn ?? default,
        Specialties = r.Specialties ?? [],
        Status = r.Status ?? InspectorStatusCodes.Active,
        Conflicts = r.Conflicts ?? [],
    };

    /// <summary>The grain's answer, with the record as it now stands when the write succeeded (the grain answers only its version).</summary>
    private static async Task<ChangeResult<T>> Reloaded<T>(DirectoryWriteResult result, Func<Task<T?>> reload)
        where T : class =>
        Answers.Of(result, result.Status is DirectoryWriteStatus.Created or DirectoryWriteStatus.Updated ? await reload() : null);
}
