namespace Supervision.Api.Directory;

public static class ImportApi
{
    public static IEndpointRouteBuilder MapImportApi(this IEndpointRouteBuilder app) => app;
}
