import DocumentStorage
import Foundation
import SQLiteStore
import TestSupport
import XCTest

@testable import Persistence

/// Word-set "updates": an update is a set of words, merging is set union.
/// They let the autosaver be tested on its own; `YjsDocumentTests` runs it
/// with real Yjs updates.
enum Words {
    static func encode(_ words: Set<String>) -> [UInt8] { Array(words.sorted().joined(separator: "\n").utf8) }

    static func decode(_ state: [UInt8]) -> Set<String> {
        Set(String(decoding: state, as: UTF8.self).split(separator: "\n").map(String.init))
    }

    static let merge: YjsPersistence.Merge = { updates in
        encode(updates.reduce(into: Set<String>()) { $0.formUnion(decode($1)) })
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
