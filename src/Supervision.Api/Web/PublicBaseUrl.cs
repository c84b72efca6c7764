using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Supervision.Api.Web;

/// <summary>
/// The address people reach the platform at, for links it sends out (an entity's credit link) and for deciding that
/// cookies are Secure: <c>Supervision:PublicBaseUrl</c> (an absolute http or https URL, e.g. https://supervision.example.gov.cn
/// behind a reverse proxy), or, when it is not set, the first address this process listens on (the embedded default,
/// http://localhost:5000). Never the request's Host header, which the caller chooses.
/// </summary>
public sealed class PublicBaseUrl
{
    public const string Key = "Supervision:PublicBaseUrl";

    private readonly IServer _server;
    private Uri? _fromServer;

    public PublicBaseUrl(Uri? configured, IServer server)
    {
        Configured = configured;
        _server = server;
    }

    /// <summary>The configured URL, or null when the listening address stands in.</summary>
    public Uri? Configured { get; }

    /// <summary>True when the platform is configured to be served over HTTPS (cookies are then always Secure).</summary>
    public bool IsHttps => Configured?.Scheme == Uri.UriSchemeHttps;

    /// <summary>The base URL, without a trailing slash.</summary>
    public string Value => (Configured ?? (_fromServer ??= FromServer())).ToString().TrimEnd('/');

    /// <summary>An absolute URL for <paramref name="pathAndQuery"/> (which starts with '/').</summary>
    public string For(string pathAndQuery) => Value + pathAndQuery;

    /// <summary>
    /// Checks a value of the setting: null when it is unset or not acceptable, with <paramref name="problem"/> saying what
    /// to set in the second case (<see cref="Hosting.ApiHostOptions"/>'s validator stops the start with it).
    /// </summary>
    public static Uri? Parse(string? text, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            problem = $"{Key} must be the absolute http or https address people reach the platform at, without query or fragment (for example https://supervision.example.gov.cn), got '{text}'.";
            return null;
        }

        return uri;
    }

    private Uri FromServer()
    {
        var address = _server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "http://localhost:5000";
        // A wildcard listening address is no address to send anyone to: localhost stands in for it.
        address = address.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal).Replace("://[::]", "://localhost", StringComparison.Ordinal);
        return new Uri(address);
    }
}
