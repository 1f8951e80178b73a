import DocumentStorage
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Persistence
import RealtimeProtocol
import YCRDT

/// `GET/PUT /api/documents/{id}/yjs`: the Yjs state of a document, read from and
/// saved into the configured `DocumentStore`. `{id}` is a UUID or a name
/// (`DocumentID(name:)`), so `qalam edit notes` and this API meet in the same row.
///
/// With a JWT secret, members read and editors and owners write (`AccessPolicy`):
/// 401 without a valid bearer token, 403 for anyone else, and neither says whether
/// the document exists. A `PUT` of a document that does not exist creates it with
/// the caller as owner.
///
/// Both follow the stored-state rule (`StoredState`): a GET applies the stored rows
/// to a document and returns its state; a PUT applies the stored rows and the body
/// to a document and stores that document's state after checking it loads back the
/// same, never a byte-level merge. A body the stored document refuses changes nothing.
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

    /// The caller of the bearer token (only those here: documents are not part of
    /// the Realtime API); `nil` when it is missing or does not verify. The inner
    /// `nil` is an open relay's anonymous caller.
    private func caller(of request: Request) -> Caller?? {
        guard let verifier = configuration.verifier else { return .some(nil) }
        guard let token = RelayRoutes.bearerToken(of: request), case let .success(claims) = verifier.verify(token),
            let caller = Caller(claims: claims)
        else { return nil }
        return .some(caller)
    }

    /// `nil` when `caller` may read (or, with `write`, write) `document`; else the answer.
    private func refusal(_ document: DocumentID, caller: Caller?, write: Bool) async -> Response? {
        switch await configuration.accessPolicy.document(document, caller: caller, create: write) {
        case let .success(grant) where grant.canWrite || !write:
            return nil
        case .success:
            return Self.error(.forbidden, "your role in this document may read it but not change it")
        case .failure(.notMember):
            return Self.error(.forbidden, "you are not a member of this document; its owner can share it with you")
        case let .failure(.unavailable(reason)):
            logger.error("membership check failed", metadata: ["document": "\(document)", "error": "\(reason)"])
            return Self.error(.serviceUnavailable, "the document's members could not be checked: \(reason)")
        }
    }

    private func document(_ raw: String) -> DocumentID? {
        let name = raw.removingPercentEncoding ?? raw
        guard !name.isEmpty, name.utf8.count <= 512 else { return nil }
        return DocumentID(name: name)
    }

    private func get(_ request: Request, id: String) async throws -> Response {
        guard let caller = caller(of: request) else {
            return Self.error(.unauthorized, "missing or invalid Authorization: Bearer <jwt>")
        }
        guard let store = configuration.store else {
            return Self.error(.serviceUnavailable, "this relay has no document store")
        }
        guard let document = document(id) else {
            return Self.error(.badRequest, "the document id must be a UUID or a name of at most 512 bytes")
        }
        if let refusal = await refusal(document, caller: caller, write: false) { return refusal }
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
            state = try StoredState.document(from: rows).encodeStateAsUpdate()
        } catch {
            return Self.error(
                .internalServerError, "the stored state of \(document) is not a valid Yjs update: \(error)")
        }
        return Response(
            status: .ok, headers: [.contentType: "application/octet-stream"],
            body: .init(byteBuffer: ByteBuffer(bytes: state)))
    }

    private func put(_ request: Request, id: String) async throws -> Response {
        guard let caller = caller(of: request) else {
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
        // After the body is known good, so that a refused update creates no document.
        if let refusal = await refusal(document, caller: caller, write: true) { return refusal }
        do {
            try await store.save(document) { rows in try StoredState.integrate(rows: rows, with: [update]) }
        } catch let error as StoredStateError {
            switch error {
            case .refusedUpdate:
                return Self.error(.unprocessableContent, "\(error); nothing was written")
            case .invalidRow, .mismatch:
                logger.error("document not saved", metadata: ["document": "\(document)", "error": "\(error)"])
                return Self.error(.internalServerError, "\(error)")
            }
        } catch {
            logger.error("document save failed", metadata: ["document": "\(document)", "error": "\(error)"])
            return Self.error(.serviceUnavailable, "\(error)")
        }
        return Response(status: .noContent)
    }
}
