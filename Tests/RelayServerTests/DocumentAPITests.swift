import DocumentStorage
import Foundation
import RealtimeProtocol
import SQLiteStore
import XCTest
import YCRDT

@testable import RelayServer

/// The document REST API against a real SQLite store in a temporary directory.
final class DocumentAPITests: RelayTestCase {
    private func makeStore() throws -> (SQLiteStore, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("relay-docs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: directory.appendingPathComponent("docs.sqlite3").path)
        return (store, directory)
    }

    private func update(_ text: String, clientID: UInt32) throws -> [UInt8] {
        let doc = Doc(clientID: ClientID(clientID))
        doc.getText().insert(text, at: 0)
        return try doc.encodeStateAsUpdate()
    }

    private func text(of state: [UInt8]) throws -> String {
        let doc = Doc()
        try doc.applyUpdate(state)
        return doc.getText().toString()
    }

    func testPutMergesAndGetReturnsTheMergedState() async throws {
        let (store, directory) = try makeStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await store.migrate()
        try await withRelay({ $0.store = store }) { _, port in
            XCTAssertEqual(
                try RawConnection.http(port: port, method: "GET", path: "/api/documents/notes/yjs").status, 404)

            let first = try update("Hello", clientID: 1)
            let second = try update("مرحبا", clientID: 2)
            XCTAssertEqual(
                try RawConnection.http(port: port, method: "PUT", path: "/api/documents/notes/yjs", body: first).status,
                204)
            XCTAssertEqual(
                try RawConnection.http(port: port, method: "PUT", path: "/api/documents/notes/yjs", body: second)
                    .status, 204)

            let result = try RawConnection.http(port: port, method: "GET", path: "/api/documents/notes/yjs")
            XCTAssertEqual(result.status, 200)
            XCTAssertEqual(result.headers["content-type"], "application/octet-stream")
            let merged = try text(of: result.body)
            XCTAssertTrue(merged.contains("Hello") && merged.contains("مرحبا"), merged)

            // The name maps to the same row as its UUID.
            let uuid = DocumentID(name: "notes").description
            XCTAssertEqual(
                try RawConnection.http(port: port, method: "GET", path: "/api/documents/\(uuid)/yjs").body, result.body)
        }
        await store.close()
    }

    /// A PUT stores the integrated document: what is stored loads back as the
    /// rows and the body applied, and a body that reuses ids the document has
    /// with other content is refused with 422 and changes nothing.
    func testPutStoresTheIntegratedDocumentAndRefusesAConflictingUpdate() async throws {
        let (store, directory) = try makeStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await store.migrate()
        try await withRelay({ $0.store = store }) { _, port in
            let original = try update("the stored text", clientID: 77)
            XCTAssertEqual(
                try RawConnection.http(port: port, method: "PUT", path: "/api/documents/d/yjs", body: original)
                    .status, 204)
            let before = try await store.load(DocumentID(name: "d"))
            XCTAssertEqual(try text(of: try XCTUnwrap(before.first)), "the stored text")

            // Client 77's clocks again, other characters.
            let forged = try update("a forged text!!", clientID: 77)
            let refused = try RawConnection.http(
                port: port, method: "PUT", path: "/api/documents/d/yjs", body: forged)
            XCTAssertEqual(refused.status, 422, refused.text)
            XCTAssertTrue(refused.text.contains("nothing was written"), refused.text)
            let after = try await store.load(DocumentID(name: "d"))
            XCTAssertEqual(after, before, "a refused PUT changed the store")

            let got = try RawConnection.http(port: port, method: "GET", path: "/api/documents/d/yjs")
            XCTAssertEqual(try text(of: got.body), "the stored text")
        }
        await store.close()
    }

    func testMalformedAndOversizedBodiesChangeNothing() async throws {
        let (store, directory) = try makeStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await store.migrate()
        try await withRelay({
            $0.store = store
            $0.maxDocumentBytes = 64
        }) { _, port in
            let bad = try RawConnection.http(
                port: port, method: "PUT", path: "/api/documents/d/yjs", body: [0xFF, 0xFF, 0xFF, 0x01, 0x02])
            XCTAssertEqual(bad.status, 400)
            XCTAssertTrue(bad.text.contains("Yjs"), bad.text)
            let big = try RawConnection.http(
                port: port, method: "PUT", path: "/api/documents/d/yjs",
                body: try update(String(repeating: "a", count: 200), clientID: 3))
            XCTAssertEqual(big.status, 413)
            let rows = try await store.load(DocumentID(name: "d"))
            XCTAssertTrue(rows.isEmpty)
        }
        await store.close()
    }

    func testBearerTokenRequiredWithASecret() async throws {
        let (store, directory) = try makeStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        try await store.migrate()
        let secret = "documents-secret-documents-secret!!"
        try await withRelay({
            $0.store = store
            $0.membership = store
            $0.jwtSecret = secret
        }) { _, port in
            let body = try update("x", clientID: 4)
            XCTAssertEqual(
                try RawConnection.http(port: port, method: "PUT", path: "/api/documents/d/yjs", body: body).status, 401)
            let forged = ["Authorization": "Bearer \(RelayToken.make(secret: "wrong"))"]
            XCTAssertEqual(
                try RawConnection.http(port: port, method: "GET", path: "/api/documents/d/yjs", headers: forged).status,
                401)
            // A user's PUT of a new document creates it, with the user as its owner.
            let user = UUID()
            let good = [
                "Authorization":
                    "Bearer \(RelayToken.make(secret: secret, extraClaims: ["sub": .string(user.uuidString)]))"
            ]
            XCTAssertEqual(
                try RawConnection.http(
                    port: port, method: "PUT", path: "/api/documents/d/yjs", headers: good, body: body
                ).status, 204)
            XCTAssertEqual(
                try RawConnection.http(port: port, method: "GET", path: "/api/documents/d/yjs", headers: good).status,
                200)
            let access = try await store.access(of: user, to: DocumentID(name: "d"))
            XCTAssertEqual(access, .member(.owner))
        }
        await store.close()
    }

    func testNoStoreAnswers503() async throws {
        try await withRelay { _, port in
            XCTAssertEqual(try RawConnection.http(port: port, method: "GET", path: "/api/documents/d/yjs").status, 503)
        }
    }
}
