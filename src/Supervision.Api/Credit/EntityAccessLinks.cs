using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Supervision.Api.Common;
using Supervision.Api.Identity;
using Supervision.Core.Registry;
using Supervision.Infrastructure.Registry;
using Supervision.Infrastructure.Storage;
using Supervision.Core.Validation;

namespace Supervision.Api.Credit;

public sealed record EntityLinkRequest(int? Days);

public sealed record EntityLinkView(string CreditCode, string Url, DateTimeOffset ExpiresAt);

/// <summary>
/// "An entity may see its own class" (product.md) without entity accounts: the regulator hands the entity's
/// representative a link (printed on an inspection notice, or sent through the channel the entity registered) that
/// opens the entity's own credit page for a limited time. The link carries an HMAC over the credit code and the expiry,
/// keyed by a key derived from the platform's token-signing key; anyone without a valid link sees nothing and learns
/// nothing (404, as for an entity that does not exist).
/// </summary>
public sealed class EntityAccessLinks(LocalTokenKey key, TimeProvider clock)
{
    public const int DefaultDays = 30;
    public const int MaxDays = 90;

    private readonly byte[] _key = HMACSHA256.HashData(key.Key, "supervision/entity-credit-link/v1"u8);

    public (string Token, DateTimeOffset ExpiresAt) Issue(string creditCode, int days)
    {
        var expires = DateTimeOffset.FromUnixTimeSeconds(clock.GetUtcNow().AddDays(days).ToUnixTimeSeconds());
        var seconds = expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return ($"{seconds}.{WebEncoders.Base64UrlEncode(Mac(creditCode, seconds))}", expires);
    }

    /// <summary>True when <paramref name="token"/> was issued for <paramref name="creditCode"/> and has not expired.</summary>
    public bool IsValid(string creditCode, string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Split('.') is not [var seconds, var mac]) return false;
        if (!long.TryParse(seconds, NumberStyles.None, CultureInfo.InvariantCulture, out var unix) || unix < clock.GetUtcNow().ToUnixTimeSeconds()) return false;
        byte[] given;
        try
        {
            given = WebEncoders.Base64UrlDecode(mac);
        }
        catch (FormatException)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(given, Mac(creditCode, seconds));
    }

    private byte[] Mac(string creditCode, string seconds) => HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{creditCode}|{seconds}"));

    /// <summary>POST /api/credit/entities/{creditCode}/access-link: staff issue a link for the entity's own credit page.</summary>
    public static async Task<Results<Ok<EntityLinkView>, ValidationProblem, ProblemHttpResult>> IssueAsync(string creditCode, EntityLinkRequest? request, HttpContext http,
        [AsParameters] CreditServices s, CancellationToken ct)
    {
        var code = CreditCode.Normalize(creditCode);
        if (!CreditCode.IsValid(code)) return Problems.Validation(FieldError.Format("creditCode", FieldFormats.CreditCode, "must be a valid 18-character unified social credit code", code));
        var days = request?.Days ?? DefaultDays;
        if (days is < 1 or > MaxDays) return Problems.Validation(FieldError.OutOfRange("days", 1, MaxDays, days));
        if (await s.Entities.GetAsync(code, ct) is null) return Problems.NotFound("entity", code);
        var (token, expires) = s.Links.Issue(code, days);
        var actor = http.User.ToActor();
        await s.Access.RecordAsync(actor, "credit.entity-link", "entity", code, actor.DepartmentCode, new { expires }, ct);
        // Built from the configured public address, never from the request's Host header (which the caller chooses).
        var url = s.PublicBase.For($"/entities/{code}/credit?t={Uri.EscapeDataString(token)}");
        return TypedResults.Ok(new EntityLinkView(code, url, expires));
    }
}
