namespace Supervision.Contracts;

/// <summary>
/// How a grain command ended, for the features whose commands answer the same set (recusal requests, the
/// abnormal-operations register): done, or refused for one of these reasons. The API turns a refusal into problem
/// details with <c>Problems.Refusal</c>; inspections and tasks keep their own, larger sets.
/// </summary>
[GenerateSerializer]
public enum CommandStatus
{
    Ok,
    Created,
    Invalid,
    Forbidden,
    NotFound,
    Conflict,
    Unprocessable,
}
