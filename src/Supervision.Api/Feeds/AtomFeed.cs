using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml;
using Microsoft.AspNetCore.Http.Metadata;
using Supervision.Api.Publication;
using Supervision.Core.Feeds;

namespace Supervision.Api.Feeds;

/// <summary>One page of an Atom feed (RFC 4287): its id, title, the page's events newest first and where the next page is.</summary>
public sealed record AtomPage(string FeedId, string Title, string SelfUrl, string AlternateUrl, string? NextUrl, IReadOnlyList<PublicEvent> Events,
    string BaseUrl, bool English)
{
    /// <summary>The latest change among the page's entries (null for an empty page).</summary>
    public DateTimeOffset? Updated => Events.Count > 0 ? Events.Max(e => e.OccurredAt) : null;
}

/// <summary>
/// Writes an <see cref="AtomPage"/> with <see cref="XmlWriter"/> (never by hand): the feed's <c>id</c>, <c>title</c>,
/// <c>updated</c> (the latest of its entries, or the Unix epoch for an empty feed), <c>author</c>, its <c>self</c>,
/// <c>alternate</c> and <c>next</c> links; each entry's stable <c>id</c> (<c>urn:uuid:</c> of the event id),
/// <c>title</c>, <c>updated</c> and <c>published</c>, <c>link rel="alternate"</c> to the public page, a <c>category</c>
/// with the event kind and a text <c>summary</c>.
/// </summary>
public static class AtomFeed
{
    public const string Namespace = "http://www.w3.org/2005/Atom";
    public const string MediaType = "application/atom+xml";
    public const string KindScheme = "https://supervision.example/ns/public-event-kind";

    public static byte[] Write(AtomPage page)
    {
        using var buffer = new MemoryStream();
        using (var xml = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true, Async = false }))
        {
            xml.WriteStartDocument();
            xml.WriteStartElement("feed", Namespace);
            xml.WriteAttributeString("xml", "lang", null, page.English ? "en" : "zh-CN");
            xml.WriteElementString("id", Namespace, page.FeedId);
            xml.WriteElementString("title", Namespace, page.Title);
            xml.WriteElementString("updated", Namespace, Time(page.Updated ?? DateTimeOffset.UnixEpoch));
            xml.WriteStartElement("author", Namespace);
            xml.WriteElementString("name", Namespace, page.English ? "Double random, one public: the public portal" : "双随机、一公开 公示平台");
            xml.WriteEndElement();
            Link(xml, "self", page.SelfUrl, AtomFeed.MediaType);
            Link(xml, "alternate", page.AlternateUrl, "text/html");
            if (page.NextUrl is { } next) Link(xml, "next", next, AtomFeed.MediaType);
            foreach (var e in page.Events)
            {
                xml.WriteStartElement("entry", Namespace);
                xml.WriteElementString("id", Namespace, "urn:uuid:" + Guid.ParseExact(e.EventId, "N").ToString("D"));
                xml.WriteElementString("title", Namespace, e.Title(page.English));
                xml.WriteElementString("updated", Namespace, Time(e.OccurredAt));
                xml.WriteElementString("published", Namespace, Time(e.OccurredAt));
                Link(xml, "alternate", page.BaseUrl + e.PublicPath, "text/html");
                xml.WriteStartElement("category", Namespace);
                xml.WriteAttributeString("term", e.Kind);
                xml.WriteAttributeString("scheme", KindScheme);
                xml.WriteEndElement();
                xml.WriteStartElement("summary", Namespace);
                xml.WriteAttributeString("type", "text");
                xml.WriteString(Summary(e, page.English));
                xml.WriteEndElement();
                xml.WriteEndElement();
            }
            xml.WriteEndElement();
            xml.WriteEndDocument();
        }
        return buffer.ToArray();
    }

    private static void Link(XmlWriter xml, string rel, string href, string type)
    {
        xml.WriteStartElement("link", Namespace);
        xml.WriteAttributeString("rel", rel);
        xml.WriteAttributeString("type", type);
        xml.WriteAttributeString("href", href);
        xml.WriteEndElement();
    }

    private static string Time(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>A line of plain text: the title, the department, the task; the payload's public facts are in the webhook body and on the linked page.</summary>
    private static string Summary(PublicEvent e, bool english)
    {
        var parts = new List<string> { e.Title(english) };
        parts.Add((english ? "Department: " : "部门：") + e.Department);
        if (e.TaskId is { } task) parts.Add((english ? "Task: " : "任务：") + task);
        if (e.DivisionCode is { } division) parts.Add((english ? "Division: " : "区划：") + division);
        return string.Join(english ? "; " : "；", parts);
    }
}

/// <summary>
/// A cacheable Atom answer: the feed's bytes with a strong ETag (SHA-256) and Last-Modified (the newest entry), or 304
/// when the client's copy is current — the same validators as every public answer (<see cref="PublicPortal.NotModifiedOr"/>).
/// </summary>
public sealed class CachedAtom(AtomPage page) : IResult, IEndpointMetadataProvider
{
    public AtomPage Page => page;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var bytes = AtomFeed.Write(page);
        var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..32] + "\"";
        var modified = page.Updated;
        IResult answer = (IResult?)PublicPortal.NotModifiedOr(httpContext, etag, modified) ?? TypedResults.Bytes(bytes, AtomFeed.MediaType + "; charset=utf-8");
        return answer.ExecuteAsync(httpContext);
    }

    static void IEndpointMetadataProvider.PopulateMetadata(System.Reflection.MethodInfo method, EndpointBuilder builder)
    {
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(string), [AtomFeed.MediaType]));
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status304NotModified, typeof(void), []));
    }
}
