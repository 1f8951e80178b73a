import DocumentStorage
import Foundation
import SQLiteStore
import TestSupport
import XCTest
import YCRDT

@testable import Persistence

/// Yjs updates that each add a set of words, one per line of the root text
/// `content`, made by a client of their own: whatever order they are applied
/// in, the document holds the union of their words. They let the autosaver's
/// timing be tested with word sets while everything stored is real Yjs.
enum Words {
    static func encode(_ words: Set<String>) -> [UInt8] {
        let doc = Doc()
        let text = doc.getText()
        for word in words.sorted() { text.insert(word + "\n", at: 0) }
        // A fresh doc always encodes.
        return (try? doc.encodeStateAsUpdate()) ?? []
    }

    /// The words of a state (one update).
    static func decode(_ state: [UInt8]) -> Set<String> { decode(rows: [state]) }

    /// The words of stored rows, applied in order.
    static func decode(rows: [[UInt8]]) -> Set<String> {
        guard let doc = try? StoredState.document(from: rows) else { return ["<rows do not apply>"] }
        return Set(doc.getText().toString().split(separator: "\n").map(String.init))
    }

    /// What another writer's save does: the rows integrated with `words`.
    static func save(_ words: Set<String>, over rows: [[UInt8]]) throws -> [UInt8] {
        try StoredState.integrate(rows: rows, with: [encode(words)])
    }
}

/// A real store that counts the saves that reach it.
final class CountingStore: DocumentStore, @unchecked Sendable {
    let base: DocumentStore
    private let lock = NSLock()
    private var saves = 0

    init(_ base: DocumentStore) { self.base = base }

    var saveCount: Int { lock.withLock { saves } }

    func migrate() async throws { try await base.migrate() }
    func load(_ document: DocumentID) async throws -> [[UInt8]] { try await base.load(document) }
    func save(_ document: DocumentID, merge: @Sendable ([[UInt8]]) throws -> [UInt8]) async throws -> [UInt8] {
        lock.withLock { saves += 1 }
        return try await base.save(document, merge: merge)
    }
    func close() async { await base.close() }
}

/// A temporary directory removed at the end of the test.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("qalam-persistence-\(UUID())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// A migrated SQLite store in this directory.
    func sqliteStore(busyTimeout: Duration = .seconds(30)) async throws -> SQLiteStore {
        let store = try SQLiteStore(path: path("qalam.sqlite3"), busyTimeout: busyTimeout)
        try await store.migrate()
        return store
    }
}
