using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Supervision.Api.Identity;

namespace Supervision.Api.Hosting;

/// <summary>
/// Makes every operation of <c>/openapi/v1.json</c> complete enough for client generators and linters (issue 17): a
/// stable <c>operationId</c>, the security it really needs, a 2xx answer and the problem-details answers it can give.
/// Everything is read from the endpoint's own metadata — <c>RequireAuthorization</c>/<c>AllowAnonymous</c>,
/// <c>WithName</c>, route parameters, produces metadata — so a route mapped tomorrow is described by the same rules.
/// Summaries cannot be invented: each route states its own with <c>WithSummary</c>, and
/// <c>OpenApiDocumentTests</c> fails naming a route without one. Paths and schemas are left exactly as generated.
/// </summary>
/// <remarks>
/// Security, per operation (there is no document-wide requirement, so nothing is inherited):
/// <list type="bullet">
/// <item>a route that requires authorization (a policy, and no <see cref="IAllowAnonymous"/>): <c>[{"Bearer": []}]</c>;</item>
/// <item>an anonymous route that answers more to a signed-in caller (<see cref="TokenOptional"/>, e.g. a task's staff
/// see its draft): <c>[{}, {"Bearer": []}]</c>, the OpenAPI way of saying "no token, or a bearer token";</item>
/// <item>every other anonymous route: <c>[]</c>, stated rather than left out, so that a reader (and the linter's
/// "security-defined" rule) knows the route is public on purpose and not forgotten.</item>
/// </list>
/// </remarks>
public static partial class OpenApiCompleteness
{
    public const string BearerScheme = "Bearer";
    public const string ProblemContentType = "application/problem+json";
    public const string ProblemSchema = "ProblemDetails";
    public const string ValidationProblemSchema = "HttpValidationProblemDetails";

    public const string UnavailableDescription =
        "Temporarily unavailable (problem details): the cluster or the database could not be reached in time. "
        + "Retry after the Retry-After header's seconds; a write may have taken effect, so retry it with the same Idempotency-Key "
        + "where the route takes one, or read the record first.";

    /// <summary>
    /// The validation problem's <c>fieldErrors</c> member (docs/errors.md): each error's field, code, English reason and
    /// the arguments a client words its own message from. Written inline so that the recorded component list stays as it is.
    /// </summary>
    private static OpenApiSchema FieldErrorsSchema()
    {
        static OpenApiSchema Of(JsonSchemaType type, string description) => new() { Type = type, Description = description };
        var strings = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } };
        var code = Of(JsonSchemaType.String, "A stable machine-readable code (kebab-case); new codes may be added, so treat an unknown one like 'invalid' and show the reason.");
        code.Enum = Enum.GetValues<Supervision.Core.Validation.FieldErrorCode>()
            .Select(c => (System.Text.Json.Nodes.JsonNode)System.Text.Json.Nodes.JsonValue.Create(System.Text.Json.JsonSerializer.Serialize(c).Trim('"'))!)
            .ToList();
        return new OpenApiSchema
        {
            Type = JsonSchemaType.Array,
            Description = "Each field error with its code and arguments; the same errors as 'errors', in order.",
            Items = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Required = new HashSet<string>(StringComparer.Ordinal) { "field", "code", "reason" },
                Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
                {
                    ["field"] = Of(JsonSchemaType.String, "The field's JSON path, e.g. items[0].resultCodes; empty for the whole request or row."),
                    ["code"] = code,
                    ["reason"] = Of(JsonSchemaType.String, "The English reason, as in 'errors'."),
                    ["args"] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        Description = "Only the members the code uses.",
                        Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
                        {
                            ["min"] = Of(JsonSchemaType.Number, "Lower bound, inclusive."),
                            ["max"] = Of(JsonSchemaType.Number, "Upper bound, inclusive (characters, entries, bytes or the number)."),
                            ["above"] = Of(JsonSchemaType.Number, "Exclusive lower bound."),
                            ["actual"] = Of(JsonSchemaType.Number, "What was given: a length, a count, a size or the number."),
                            ["value"] = Of(JsonSchemaType.String, "The offending value."),
                            ["allowed"] = strings,
                            ["missing"] = strings,
                            ["expected"] = Of(JsonSchemaType.String, "For 'format': the form expected (date, instant, digits, credit-code, …)."),
                            ["limit"] = Of(JsonSchemaType.String, "For 'too-early'/'too-late': the bound; absent means now."),
                            ["other"] = Of(JsonSchemaType.String, "Another field the rule compares this one with."),
                            ["position"] = Of(JsonSchemaType.Integer, "For 'characters': the 1-based position."),
                            ["character"] = Of(JsonSchemaType.String, "For 'characters': the code point, U+XXXX."),
                        },
                    },
                },
            },
        };
    }

    /// <summary>Registers the operation and document transformers (after any the caller added before), and the schema ids.</summary>
    public static OpenApiOptions AddCompleteness(this OpenApiOptions options)
    {
        options.CreateSchemaReferenceId = SchemaId;
        return options.AddOperationTransformer(new CompleteOperation()).AddDocumentTransformer(new CompleteDocument());
    }

    /// <summary>
    /// Types the API describes whose names another described type has too, with the id each is written under. The generator
    /// names a schema after its type alone, so two such types would share one id and one would silently describe the other.
    /// </summary>
    private static readonly Dictionary<Type, string> RenamedSchemas = new()
    {
        // Core.Draw.TeamMember (a drawn team's member, in draw records) keeps "TeamMember"; this is an inspection's member.
        [typeof(Supervision.Core.Inspections.TeamMember)] = "InspectionTeamMember",
    };

    /// <summary>
    /// Types that met another under one id before this check existed, left so that the recorded schemas do not change:
    /// <c>Core.Draw.Inspector</c> (the draw's view of an inspector, in <c>InspectorPool</c> of a re-inspection's draw record)
    /// is described by the directory's <c>Inspector</c> schema. A known defect of the document: fixing it changes
    /// <c>InspectorPool</c>, a change to make on purpose with the recorded surface.
    /// </summary>
    private static readonly HashSet<Type> SharingKnownIds = [typeof(Supervision.Core.Draw.Inspector)];

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Type> SchemaOwners = new(StringComparer.Ordinal);

    /// <summary>
    /// The generator's id (the type's name; <c>PageOfX</c> for generics), or the one <see cref="RenamedSchemas"/> gives; a new
    /// pair of types meeting under one id stops the document, naming both, rather than describing one with the other.
    /// </summary>
    internal static string? SchemaId(System.Text.Json.Serialization.Metadata.JsonTypeInfo info)
    {
        var type = Nullable.GetUnderlyingType(info.Type) ?? info.Type;
        var id = RenamedSchemas.TryGetValue(type, out var renamed) ? renamed : OpenApiOptions.CreateDefaultSchemaReferenceId(info);
        if (id is null) return null;
        var owner = SchemaOwners.GetOrAdd(id, type);
        return owner == type || SharingKnownIds.Contains(type) || SharingKnownIds.Contains(owner) ? id : throw new InvalidOperationException(
            $"OpenAPI schema id '{id}' would describe both {owner.FullName} and {type.FullName}: give one of them its own id in OpenApiCompleteness.RenamedSchemas.");
    }

    /// <summary>
    /// The operation id of a route without an endpoint name: the HTTP method, then the route's literal words in camel case
    /// without the leading <c>api</c>; parameters between literals are left out, parameters at the end become
    /// <c>By…And…</c>. <c>GET /api/tasks/{id}/draw/pack</c> → <c>getTasksDrawPack</c>, <c>GET /api/tasks/{id}</c> →
    /// <c>getTasksById</c>, <c>GET /api/imports/{id}/errors.csv</c> → <c>getImportsErrorsCsv</c>,
    /// <c>GET /api/public/v1/downloads/{year}/{department}.{format}</c> → <c>getPublicV1DownloadsByYearAndDepartmentAndFormat</c>. The same route always
    /// gives the same id; two routes that would meet (OpenApiDocumentTests checks) take a <c>WithName</c>.
    /// </summary>
    public static string OperationIdFor(string method, string route)
    {
        var id = new StringBuilder(method.ToLowerInvariant());
        var trailing = new List<string>();
        var segments = route.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var first = segments.Length > 0 && string.Equals(segments[0], "api", StringComparison.OrdinalIgnoreCase) ? 1 : 0;
        foreach (var segment in segments.Skip(first))
        {
            foreach (Match token in SegmentToken().Matches(segment))
            {
                if (token.Groups["parameter"].Success)
                {
                    trailing.Add(token.Groups["parameter"].Value);
                    continue;
                }

                // A word after parameters: they were in the middle of the route and are left out. Punctuation between
                // parameters ("{department}.{format}") is not a word.
                var words = token.Value.Split(NonWord, StringSplitOptions.RemoveEmptyEntries);
                if (words.Length == 0)
                {
                    continue;
                }

                trailing.Clear();
                foreach (var word in words)
                {
                    id.Append(Capitalized(word));
                }
            }
        }

        if (trailing.Count > 0)
        {
            id.Append("By").Append(string.Join("And", trailing.Select(Capitalized)));
        }

        return id.ToString();
    }

    private static readonly char[] NonWord = [.. Enumerable.Range(32, 95).Select(c => (char)c).Where(c => !char.IsAsciiLetterOrDigit(c))];

    private static string Capitalized(string word) => word.Length == 0 ? word : char.ToUpperInvariant(word[0]) + word[1..];

    /// <summary>A route segment's parts: <c>{name}</c>, <c>{name:int}</c>, <c>{name?}</c>, <c>{*rest}</c> or literal text.</summary>
    [GeneratedRegex(@"\{\**(?<parameter>[A-Za-z0-9_]+)[^}]*\}|[^{]+")]
    private static partial Regex SegmentToken();

    /// <summary>What the route's metadata says about tokens.</summary>
    internal enum Access
    {
        Public,
        TokenOptional,
        TokenRequired,
    }

    internal static Access AccessOf(IEnumerable<object> metadata)
    {
        var list = metadata as IList<object> ?? metadata.ToList();
        if (list.OfType<IAllowAnonymous>().Any())
        {
            return list.OfType<TokenOptional>().Any() ? Access.TokenOptional : Access.Public;
        }

        return list.OfType<IAuthorizeData>().Any() || list.OfType<AuthorizationPolicy>().Any() ? Access.TokenRequired
            : list.OfType<TokenOptional>().Any() ? Access.TokenOptional : Access.Public;
    }

    private sealed class CompleteOperation : IOpenApiOperationTransformer
    {
        public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
        {
            var description = context.Description;
            var metadata = description.ActionDescriptor.EndpointMetadata;
            var method = description.HttpMethod ?? HttpMethods.Get;
            var route = "/" + (description.RelativePath ?? "").TrimStart('/');
            var document = context.Document;

            // A WithName on the route is its id already (the generator takes endpoint names as operation ids).
            operation.OperationId ??= metadata.OfType<IEndpointNameMetadata>().LastOrDefault()?.EndpointName ?? OperationIdFor(method, route);

            var access = AccessOf(metadata);
            operation.Security = access switch
            {
                Access.TokenRequired => [Bearer(document)],
                Access.TokenOptional => [new OpenApiSecurityRequirement(), Bearer(document)],
                _ => [],
            };

            var responses = operation.Responses ??= new OpenApiResponses();
            var longOperation = metadata.OfType<LongOperationRoute>().Any();
            if (!responses.Keys.Any(code => code.StartsWith('2') && !(longOperation && code == "202")))
            {
                // Answers that declare no status of their own (a stream, a file, text, an untyped IResult) succeed with the
                // plain 200; a long operation's route too, besides the 202 of an operation still running.
                responses["200"] = new OpenApiResponse { Description = "OK" };
            }

            // A long operation (docs/operations.md, "Long operations") answers 202 when it is still running after the
            // route's wait: the client follows the operation it names. Its typed result declares the body (the operation);
            // the description and the headers say how to follow it.
            if (longOperation)
            {
                var accepted = responses.TryGetValue("202", out var declared) && declared is OpenApiResponse typed ? typed : new OpenApiResponse();
                accepted.Description = "Accepted: still running after the route's wait (Prefer: wait=N, at most 10 s; respond-async for none). "
                    + "The body is the operation; follow Location (GET /api/operations/{id}) until it ends, then GET /api/operations/{id}/result "
                    + "answers what this route would have.";
                accepted.Headers = new Dictionary<string, IOpenApiHeader>
                {
                    ["Location"] = new OpenApiHeader { Description = "The operation: /api/operations/{id}.", Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
                    ["Retry-After"] = new OpenApiHeader { Description = "Seconds before asking again.", Schema = new OpenApiSchema { Type = JsonSchemaType.Integer } },
                };
                responses["202"] = accepted;
            }

            var hasInput = operation.Parameters is { Count: > 0 } || operation.RequestBody is not null;
            if (hasInput)
            {
                responses.TryAdd("400", Problem("Bad Request: a parameter or the body is invalid (validation problem details naming each field).", ValidationProblemSchema, document));
            }

            if (access == Access.TokenRequired)
            {
                responses.TryAdd("401", Problem("Unauthorized: no token, or one that expired or was revoked.", ProblemSchema, document));
            }

            if (access != Access.Public || PasswordChangeGate.Guards(route, metadata))
            {
                responses.TryAdd("403", Problem(
                    "Forbidden: the caller's role or department does not allow it, or the account must set a new password first (POST /api/auth/password).",
                    ProblemSchema, document));
            }

            if (route.Contains('{', StringComparison.Ordinal))
            {
                responses.TryAdd("404", Problem("Not Found: no such record, or one the caller may not know exists.", ProblemSchema, document));
            }

            // Any route may meet a transient failure of the cluster or the database (docs/operations.md, "Failure modes").
            responses.TryAdd("503", Problem(UnavailableDescription, ProblemSchema, document));
            return Task.CompletedTask;
        }

        private static OpenApiSecurityRequirement Bearer(OpenApiDocument? document) =>
            new() { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] };

        private static OpenApiResponse Problem(string description, string schema, OpenApiDocument? document) => new()
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                [ProblemContentType] = new() { Schema = new OpenApiSchemaReference(schema, document) },
            },
        };
    }

    private sealed class CompleteDocument : IOpenApiDocumentTransformer
    {
        public async Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
        {
            // The generator writes the request's base address with a trailing slash ("http://host/"); paths start with
            // one, so a client joining the two would ask for "//api/…".
            foreach (var server in document.Servers ?? [])
            {
                if (server.Url is { Length: > 1 } url && url.EndsWith('/'))
                {
                    server.Url = url.TrimEnd('/');
                }
            }

            // The problem answers above refer to these two; routes with typed problem results bring them today, and a
            // document without such a route still gets them.
            document.Components ??= new OpenApiComponents();
            document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
            foreach (var (id, type) in new[] { (ProblemSchema, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails)), (ValidationProblemSchema, typeof(HttpValidationProblemDetails)) })
            {
                if (!document.Components.Schemas.ContainsKey(id))
                {
                    document.Components.Schemas[id] = await context.GetOrCreateSchemaAsync(type, null, cancellationToken);
                }
            }

            if (document.Components.Schemas[ValidationProblemSchema] is OpenApiSchema validation)
            {
                validation.Properties ??= new Dictionary<string, IOpenApiSchema>();
                validation.Properties[Supervision.Api.Common.Problems.FieldErrorsMember] = FieldErrorsSchema();
            }
        }
    }
}

/// <summary>
/// Endpoint metadata: an anonymous route that answers more to a signed-in caller (a task's staff see its draft and the
/// full pack), so its OpenAPI security says "no token, or a bearer token".
/// </summary>
public sealed class TokenOptional
{
    public static readonly TokenOptional Instance = new();

    private TokenOptional()
    {
    }
}

/// <summary>
/// Endpoint metadata: the route starts a long operation (freeze, a draw, dispatch, an import), so besides its own answer
/// it may answer 202 with the operation to follow; the OpenAPI document says so.
/// </summary>
public sealed class LongOperationRoute
{
    public static readonly LongOperationRoute Instance = new();

    private LongOperationRoute()
    {
    }
}
