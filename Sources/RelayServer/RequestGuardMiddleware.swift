import HTTPTypes
import Hummingbird
import RealtimeProtocol

/// Applies `RequestGuard` to every HTTP request, answers CORS preflights of the
/// origins it allows, and marks their responses readable by those origins (and
/// only those: never `*`).
struct RequestGuardMiddleware<Context: RequestContext>: RouterMiddleware {
    let requestGuard: RequestGuard

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let origins = request.headers[values: .origin]
        if let refusal = requestGuard.refusal(origins: origins, host: request.head.authority) {
            return RelayRoutes.json(.forbidden, ["error": .string(refusal)])
        }
        // An origin listed with --allow-origin (not a program's ws:// one) gets CORS.
        let corsOrigin = origins.first.flatMap {
            requestGuard.allowedOrigins.contains(RequestGuard.normalizedOrigin($0)) ? $0 : nil
        }
        if request.method == .options, let corsOrigin {
            var headers = HTTPFields()
            headers[.accessControlAllowOrigin] = corsOrigin
            headers[.accessControlAllowMethods] = "GET, POST, PUT, OPTIONS"
            headers[.accessControlAllowHeaders] = "authorization, apikey, content-type, x-client-info, x-api-key"
            headers[.accessControlMaxAge] = "600"
            headers[.vary] = "Origin"
            return Response(status: .noContent, headers: headers)
        }
        var response = try await next(request, context)
        if let corsOrigin {
            response.headers[.accessControlAllowOrigin] = corsOrigin
            response.headers[.vary] = "Origin"
        }
        return response
    }
}
