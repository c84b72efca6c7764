using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Supervision.Core.Identity;
using Supervision.Core.Registry;
using Supervision.Core.Validation;

namespace Supervision.Core.Feeds;

/// <summary>What a feed or a webhook subscription follows: one entity, one department, one area (a division code prefix) or all.</summary>
public sealed record EventFilter(string Kind, string? Value)
{
    public const string Entity = "entity";
    public const string Department = "department";
    public const string Area = "area";
    public const string All = "all";

    public static readonly IReadOnlyList<string> Kinds = [Entity, Department, Area, All];

    public static readonly EventFilter Everything = new(All, null);

    /// <summary>Reads a filter; the refusal names <paramref name="kindField"/> or <paramref name="valueField"/>.</summary>
    public static (EventFilter? Filter, FieldError? Error) Parse(string? kind, string? value, string kindField = "filter", string valueField = "value")
    {
        switch (kind)
        {
            case All:
                return value is null or "" ? (Everything, null) : (null, FieldError.NotAllowed(valueField, "must be empty when following everything", value));
            case Entity:
                var code = CreditCode.Normalize(value);
                return CreditCode.IsValid(code) ? (new(Entity, code), null)
                    : (null, FieldError.Format(valueField, FieldFormats.CreditCode, "must be an entity's 18-character unified social credit code", value));
            case Department:
                return value is { Length: > 0 and <= 32 } && value.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') ? (new(Department, value), null)
                    : (null, FieldError.Format(valueField, FieldFormats.Code, "must be a department code (letters, digits and -)", value));
            case Area:
                return value is { Length: >= 2 and <= 6 } && value.All(char.IsAsciiDigit) && value.Length % 2 == 0 ? (new(Area, value), null)
                    : (null, FieldError.Format(valueField, FieldFormats.DivisionCode, "must be a division code or its prefix: 2, 4 or 6 digits (21 Liaoning, 2102 Dalian)", value));
            default:
                return (null, FieldError.UnknownValue(kindField, kind, Kinds, "must be entity, department, area or all"));
        }
    }

    /// <summary>Whether <paramref name="e"/> is within this filter (the same rule the SQL of the feeds and the dispatcher applies).</summary>
    public bool Matches(PublicEvent e) => Kind switch
    {
        Entity => string.Equals(e.EntityCreditCode, Value, StringComparison.Ordinal),
        Department => string.Equals(e.Department, Value, StringComparison.Ordinal),
        Area => e.DivisionCode is { } d && d.StartsWith(Value!, StringComparison.Ordinal),
        _ => true,
    };
}

/// <summary>The target address of a webhook: an absolute http or https URL, no credentials in it, not a private address.</summary>
public static class WebhookUrl
{
    public const int MaxLength = 2000;

    /// <summary>The refusal (naming <c>url</c>) or null. <paramref name="allowPrivate"/>: loopback and private addresses too (tests, closed networks).</summary>
    public static FieldError? Check(string? url, bool allowPrivate)
    {
        if (string.IsNullOrWhiteSpace(url)) return FieldError.Required("url", "the address deliveries are posted to");
        if (url.Length > MaxLength) return FieldError.TooLong("url", MaxLength, url.Length);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            return FieldError.Format("url", FieldFormats.Url, "must be an absolute http:// or https:// address", url);
        if (uri.UserInfo.Length > 0) return FieldError.NotAllowed("url", "must not carry a user name or password; the signature authenticates deliveries", url);
        if (uri.Fragment.Length > 0) return FieldError.NotAllowed("url", "must not have a #fragment", url);
        if (!allowPrivate && (uri.IsLoopback || (IPAddress.TryParse(uri.DnsSafeHost, out var ip) && IsPrivate(ip))))
            return FieldError.NotAllowed("url", "must be a public address, not a loopback or private one", url);
        return null;
    }

    /// <summary>Loopback, private (RFC 1918, unique local), link-local, carrier-grade NAT, unspecified and multicast addresses.</summary>
    public static bool IsPrivate(IPAddress ip)
    {
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        if (IPAddress.IsLoopback(ip) || ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any)) return true;
        if (ip.AddressFamily == AddressFamily.InterNetworkV6)
            return ip.IsIPv6LinkLocal || ip.IsIPv6SiteLocal || ip.IsIPv6Multicast || ip.IsIPv6UniqueLocal;
        var b = ip.GetAddressBytes();
        return b[0] == 10 || b[0] == 0 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254)
            || (b[0] == 100 && b[1] is >= 64 and <= 127) || b[0] >= 224;
    }
}

/// <summary>
/// The signature of a delivery (docs/webhooks.md, "Verifying a delivery"): <c>Supervision-Signature: t={unix seconds},v1={hex}</c>,
/// where hex is HMAC-SHA256 with the subscription's secret over the UTF-8 bytes of <c>{t}.{body}</c>.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "Supervision-Signature";
    public const string EventIdHeader = "Supervision-Event-Id";
    public const string EventKindHeader = "Supervision-Event-Kind";

    public static string Sign(string secret, DateTimeOffset at, ReadOnlySpan<byte> body)
    {
        var t = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"t={t},v1={Mac(secret, t, body)}";
    }

    /// <summary>True when <paramref name="header"/> is a valid signature of <paramref name="body"/> made within <paramref name="tolerance"/> of <paramref name="now"/>.</summary>
    public static bool Verify(string secret, string? header, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance)
    {
        if (header is null) return false;
        string? t = null;
        var macs = new List<string>();
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries))
        {
            if (part.StartsWith("t=", StringComparison.Ordinal)) t = part[2..];
            else if (part.StartsWith("v1=", StringComparison.Ordinal)) macs.Add(part[3..]);
        }
        if (t is null || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return false;
        if ((now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > tolerance) return false;
        var expected = Encoding.ASCII.GetBytes(Mac(secret, t, body));
        return macs.Any(m => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(m), expected));
    }

    /// <summary>A new secret: 32 random bytes, as "whsec_" and 64 hex digits.</summary>
    public static string NewSecret() => "whsec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    private static string Mac(string secret, string t, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(t + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }
}

/// <summary>Retries of a failed delivery: exponential backoff from a base delay, capped, until the attempts run out.</summary>
public static class WebhookBackoff
{
    /// <summary>The wait after failed attempt number <paramref name="attempt"/> (1-based): base × 2^(attempt − 1), at most <paramref name="max"/>.</summary>
    public static TimeSpan After(int attempt, TimeSpan baseDelay, TimeSpan max)
    {
        var factor = Math.Pow(2, Math.Clamp(attempt - 1, 0, 30));
        var ticks = baseDelay.Ticks * factor;
        return ticks >= max.Ticks ? max : TimeSpan.FromTicks((long)ticks);
    }
}

/// <summary>A data user's webhook subscription as its owner and admins read it (never the secret after creation).</summary>
public sealed record WebhookSubscription(string Id, string Owner, string Url, EventFilter Filter, string State, long CursorSeq, string CreatedBy,
    DateTimeOffset CreatedAt, DateTimeOffset? DisabledAt, long Version)
{
    public const string Active = "active";
    public const string Disabled = "disabled";
}

/// <summary>
/// Who manages webhook subscriptions (docs/authorization.md): a registered data user (<see cref="Roles.DataUser"/>) its own,
/// a platform admin any — and creates one for a data user. Nobody else; an account that is not a data user cannot own one.
/// </summary>
public static class WebhookAccess
{
    public static bool MayManage(Actor actor, string owner) =>
        actor.IsAdmin || (actor.Has(Roles.DataUser) && string.Equals(actor.Username, owner, StringComparison.Ordinal));

    /// <summary>Whether <paramref name="actor"/> may create a subscription owned by <paramref name="owner"/> (who must be a data user: checked by the service).</summary>
    public static bool MayCreateFor(Actor actor, string owner) => MayManage(actor, owner);
}
