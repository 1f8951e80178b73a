import DocumentStorage
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import RealtimeProtocol
import YCRDT

/// `GET/PUT /api/documents/{id}/yjs`: the merged Yjs state of a document, read from
/// and merge-saved into the configured `DocumentStore`. `{id}` is a UUID or a name
/// (`DocumentID(name:)`), so `qalam edit notes` and this API meet in the same row.
struct DocumentRoutes: Sendable {
    let configuration: RelayConfiguration
    let logger: Logger

    func register(on router: Router<BasicRequestContext>) {
        router.get("/api/documents/:id/yjs") { request, context -> Response in
            try await get(request, id: context.parameters.get("id") ?? "")
        }
        router.put("/api/documents/:id/yjs") { request, context -> Response in
            try await put(request, id: context.parameters.get("id") ?? "")
        }
    }

    private static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        RelayRoutes.json(status, ["error": .string(message)])
    }

    /// Only bearer tokens here: documents are not part of the Realtime API.
    private func authorized(_ request: Request) -> Bool {
        guard let verifier = configuration.verifier else { return true }
        guard let token = RelayRoutes.bearerToken(of: request), case .success = verifier.verify(token) else {
            return false
        }
        return true
    }

    private func document(_ raw: String) -> DocumentID? {
        let name = raw.removingPercentEncoding ?? raw
        guard !name.isEmpty, name.utf8.count <= 512 else { return nil }
        return DocumentID(name: name)
    }

    private func get(_ request: Request, id: String) async throws -> Response {
        guard authorized(request) else {
            return Self.error(.unauthorized, "missing or invalid Authorization: Bearer <jwt>")
        }
        guard let store = configuration.store else {
            return Self.error(.serviceUnavailable, "this relay has no document store")
        }
        guard let document = document(id) else {
            return Self.error(.badRequest, "the document id must be a UUID or a name of at most 512 bytes")
        }
        let rows: [[UInt8]]
        do {
            rows = try await store.load(document)
        } catch {
            logger.error("document load failed", metadata: ["document": "\(document)", "error": "\(error)"])
            return Self.error(.serviceUnavailable, "\(error)")
        }
        guard !rows.isEmpty else {
            return Self.error(.notFound, "no stored state for document \(document.name) (\(document))")
        }
        let state: [UInt8]
        do {
            state = try YUpdate.merge(rows)
        } catch {
            return Self.error(
                .internalServerError, "the stored state of \(document) is not a valid Yjs update: \(error)")
        }
        return Response(
            status: .ok, headers: [.contentType: "application/octet-stream"],
            body: .init(byteBuffer: ByteBuffer(bytes: state)))
    }

    private func put(_ request: Request, id: String) async throws -> Response {
        guard authorized(request) else {
            return Self.error(.unauthorized, "missing or invalid Authorization: Bearer <jwt>")
        }
        guard let store = configuration.store else {
            return Self.error(.serviceUnavailable, "this relay has no document store")
        }
        guard let document = document(id) else {
            return Self.error(.badRequest, "the document id must be a UUID or a name of at most 512 bytes")
        }
        guard let update = await RelayRoutes.body(of: request, upTo: configuration.maxDocumentBytes) else {
            return Self.error(
                .contentTooLarge, "the update is larger than the limit of \(configuration.maxDocumentBytes) bytes")
        }
        // Decode fully before anything is written: a bad update changes nothing.
        do {
            try YUpdate.validate(update)
        } catch {
            return Self.error(.badRequest, "the body is not a Yjs v1 update: \(error)")
        }
        do {
            try await store.save(document) { rows in try YUpdate.merge(rows + [update]) }
        } catch {
            logger.error("document save failed", metadata: ["document": "\(document)", "error": "\(error)"])
            return Self.error(.serviceUnavailable, "\(error)")
        }
        return Response(status: .noContent)
    }
}
