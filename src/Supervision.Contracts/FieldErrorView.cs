using Supervision.Core.Registry;
using Supervision.Core.Validation;

namespace Supervision.Contracts;

/// <summary>
/// One entry of a validation problem's <c>fieldErrors</c> member: the field, a stable code from the vocabulary in
/// docs/errors.md, the English reason (the same text as in <c>errors</c>) and the arguments a page words its own
/// message from.
/// </summary>
public sealed record FieldErrorView(string Field, FieldErrorCode Code, string Reason, FieldErrorArgs? Args)
{
    public static IReadOnlyList<FieldErrorView> From(IEnumerable<FieldError> errors) =>
        errors.Select(e => new FieldErrorView(e.Field, e.Code, e.Reason, e.Args)).ToList();
}
