namespace Supervision.Contracts;

/// <summary>
/// A grain method that may be sent again when a call fails for a transient cluster reason (a silo died, a gateway is
/// gone): it only reads, or it is idempotent — a repeat changes nothing or answers the first result again (an
/// idempotency key, create-if-absent). The outgoing call filter <c>SafeRetryFilter</c> retries these within a short
/// budget; every other call fails to its caller at once (docs/operations.md, "Failure modes").
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = true, AllowMultiple = false)]
public sealed class SafeToRetryAttribute : Attribute;
