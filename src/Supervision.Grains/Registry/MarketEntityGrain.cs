using Supervision.Contracts.Registry;
using Supervision.Core.Registry;
using Supervision.Core.Identity;
using Supervision.Core.Reference;
using Supervision.Infrastructure.Registry;
using Supervision.Infrastructure.Storage;
using Supervision.Core.Validation;

namespace Supervision.Grains.Registry;

public sealed class MarketEntityGrain(MarketEntityStore store, ReferenceData reference) : Grain, IMarketEntityGrain
{
    public async Task<DirectoryWriteResult> Save(MarketEntityRecord record, long? expectedVersion, Actor actor)
    {
        if (!DirectoryAccess.MayMaintainEntities(actor))
        {
            return DirectoryWriteResult.Refused(DirectoryWriteStatus.Forbidden, DirectoryAccess.EntityMaintenanceRefusal);
        }

        var creditCode = this.GetPrimaryKeyString();
        var normalized = record.Normalize() with { CreditCode = CreditCode.Normalize(creditCode) };
        var stored = await store.GetAsync(normalized.CreditCode);
        if (DirectoryAccess.EntityWriteRefusal(actor, stored is null ? null : (stored.Status, stored.CreditClass), normalized) is { } refusal)
        {
            return DirectoryWriteResult.Refused(DirectoryWriteStatus.Forbidden, $"{refusal.Field}: {refusal.Reason}");
        }

        // Records entered by hand are checked strictly (both check characters); only bulk import is lenient.
        var validation = MarketEntityValidator.Validate(normalized, reference, ValidationMode.Strict);
        if (!validation.IsValid)
        {
            return DirectoryWriteResult.Invalid(validation.Errors);
        }

        var entity = MarketEntity.From(normalized, checksumReview: false, normalized.CreditClass ?? reference.DefaultCreditClass);
        var result = expectedVersion is null
            ? await store.CreateAsync(entity, actor, CancellationToken.None)
            : await store.UpdateAsync(entity, expectedVersion, actor, CancellationToken.None);
        return DirectoryWrites.ToResult(result, "entity", creditCode);
    }
}

public sealed class InspectorGrain(InspectorStore inspectors, DepartmentStore departments) : Grain, IInspectorGrain
{
    public async Task<DirectoryWriteResult> Save(InspectorRecord record, long? expectedVersion, Actor actor)
    {
        var certificateNo = this.GetPrimaryKeyString();
        var normalized = record.Normalize() with { CertificateNo = certificateNo };
        var validation = InspectorValidator.Validate(normalized, ValidationMode.Strict);
        var errors = validation.Errors.ToList();
        if (errors.All(e => e.Field != "departmentCode") && await departments.GetAsync(normalized.DepartmentCode) is null)
        {
            errors.Add(FieldError.NotFound("departmentCode", normalized.DepartmentCode, $"there is no department '{normalized.DepartmentCode}'"));
        }

        if (errors.Count > 0)
        {
            return DirectoryWriteResult.Invalid(errors);
        }

        // Department scoping (the same rule the bulk import applies): a scheduler keeps their own department's
        // inspectors, and can neither move one elsewhere nor take one over.
        var current = await inspectors.GetAsync(certificateNo);
        if (DirectoryAccess.InspectorWriteRefusal(actor, current?.DepartmentCode, normalized.DepartmentCode) is { } refusal)
        {
            return DirectoryWriteResult.Refused(DirectoryWriteStatus.Forbidden, refusal);
        }

        var inspector = Inspector.From(normalized);
        var result = expectedVersion is null
            ? await inspectors.CreateAsync(inspector, actor, CancellationToken.None)
            : await inspectors.UpdateAsync(inspector, expectedVersion, actor, CancellationToken.None);
        return DirectoryWrites.ToResult(result, "inspector", certificateNo);
    }
}

internal static class DirectoryWrites
{
    public static DirectoryWriteResult ToResult<T>(WriteResult<T> result, string what, string key)
        where T : class, IVersioned => result.Outcome switch
    {
        WriteOutcome.Created => DirectoryWriteResult.Ok(DirectoryWriteStatus.Created, result.Record!.Version),
        WriteOutcome.Updated => DirectoryWriteResult.Ok(DirectoryWriteStatus.Updated, result.Record!.Version),
        WriteOutcome.AlreadyExists => DirectoryWriteResult.Refused(DirectoryWriteStatus.AlreadyExists, $"The {what} '{key}' exists already; update it with If-Match instead."),
        WriteOutcome.NotFound => DirectoryWriteResult.Refused(DirectoryWriteStatus.NotFound, $"There is no {what} '{key}'."),
        WriteOutcome.VersionMismatch => DirectoryWriteResult.Refused(DirectoryWriteStatus.VersionMismatch, $"The {what} changed since it was read.", result.Record!.Version),
        _ => throw new InvalidOperationException($"unexpected outcome {result.Outcome}"),
    };
}
