import DocumentStorage
import Foundation
import XCTest

/// The behaviour every `DocumentStore` must have, run against a real database
/// by `SQLiteStoreTests` and `PostgresStoreTests`.
///
/// States here are sets of words ("b\nc"), and the merge is set union, so
/// the tests check the store's locking and compaction without needing Yjs.
struct StoreContract {
    /// Opens a new, independent store (its own connection) on the same database.
    let open: () async throws -> DocumentStore

    static func encode(_ words: Set<String>) -> [UInt8] { Array(words.sorted().joined(separator: "\n").utf8) }

    static func decode(_ state: [UInt8]) -> Set<String> {
        Set(String(decoding: state, as: UTF8.self).split(separator: "\n").map(String.init))
    }

    /// The union of every stored row and `words`.
    static func union(adding words: Set<String>) -> @Sendable ([[UInt8]]) throws -> [UInt8] {
        { rows in encode(rows.reduce(words) { $0.union(decode($1)) }) }
    }

    func migrateTwice() async throws {
        let store = try await open()
        try await store.migrate()
        try await store.migrate()
        await store.close()
    }

    func loadOfUnsavedDocumentIsEmpty() async throws {
        let store = try await open()
        let rows = try await store.load(DocumentID(uuid: UUID()))
        XCTAssertEqual(rows, [])
        await store.close()
    }

    func saveMergesWithStoredState() async throws {
        let store = try await open()
        let document = DocumentID(name: "contract-\(UUID())")
        let first = try await store.save(document, merge: Self.union(adding: ["a", "b"]))
        XCTAssertEqual(Self.decode(first), ["a", "b"])

        let seen = SeenRows()
        let second = try await store.save(document) { rows in
            seen.record(rows)
            return try Self.union(adding: ["c"])(rows)
        }
        XCTAssertEqual(seen.rows.map(Self.decode), [["a", "b"]], "save must hand merge what is stored")
        XCTAssertEqual(Self.decode(second), ["a", "b", "c"])
        let loaded = try await store.load(document)
        XCTAssertEqual(loaded, [second])
        await store.close()
    }

    func binaryStatesRoundTrip() async throws {
        let store = try await open()
        let document = DocumentID(uuid: UUID())
        let everyByte = (0...255).map(UInt8.init) + [0, 0, 0xFF]
        try await store.save(document) { _ in everyByte }
        let loaded = try await store.load(document)
        XCTAssertEqual(loaded, [everyByte])

        let empty = DocumentID(uuid: UUID())
        try await store.save(empty) { _ in [] }
        let loadedEmpty = try await store.load(empty)
        XCTAssertEqual(loadedEmpty, [[]], "an empty state is a row, not a missing one")
        await store.close()
    }

    /// Rows written by other tools (`insertRow`) are all loaded, then compacted.
    func duplicateRowsAreLoadedAndCompacted(insertRow: (DocumentID, [UInt8]) async throws -> Void) async throws {
        let store = try await open()
        let document = DocumentID(name: "duplicates-\(UUID())")
        try await store.save(document, merge: Self.union(adding: ["x"]))
        try await insertRow(document, Self.encode(["y"]))
        try await insertRow(document, Self.encode(["z"]))

        let rows = try await store.load(document)
        XCTAssertEqual(rows.count, 3)
        XCTAssertEqual(rows.map(Self.decode).reduce(Set()) { $0.union($1) }, ["x", "y", "z"])

        let seen = SeenRows()
        try await store.save(document) { rows in
            seen.record(rows)
            return try Self.union(adding: [])(rows)
        }
        XCTAssertEqual(seen.rows.count, 3, "merge must see every stored row")
        let compacted = try await store.load(document)
        XCTAssertEqual(compacted.count, 1)
        XCTAssertEqual(compacted.first.map(Self.decode), ["x", "y", "z"])
        await store.close()
    }

    func throwingMergeWritesNothing() async throws {
        struct Refused: Error {}
        let store = try await open()

        let fresh = DocumentID(uuid: UUID())
        do {
            try await store.save(fresh) { _ in throw Refused() }
            XCTFail("save must rethrow the merge error")
        } catch is Refused {}
        let freshRows = try await store.load(fresh)
        XCTAssertEqual(freshRows, [])

        let document = DocumentID(uuid: UUID())
        try await store.save(document, merge: Self.union(adding: ["kept"]))
        do {
            try await store.save(document) { _ in throw Refused() }
            XCTFail("save must rethrow the merge error")
        } catch is Refused {}
        let rows = try await store.load(document)
        XCTAssertEqual(rows.map(Self.decode), [["kept"]])

        // The store is still usable after the rolled-back transaction.
        try await store.save(document, merge: Self.union(adding: ["after"]))
        let after = try await store.load(document)
        XCTAssertEqual(after.map(Self.decode), [["after", "kept"]])
        await store.close()
    }

    /// Several stores, each with its own connection, merge-save one document at
    /// once; every word any of them added must survive.
    func concurrentSavesLoseNothing(stores storeCount: Int = 6, savesEach: Int = 8) async throws {
        let document = DocumentID(name: "concurrent-\(UUID())")
        var stores: [DocumentStore] = []
        for _ in 0..<storeCount { stores.append(try await open()) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, store) in stores.enumerated() {
                group.addTask {
                    for save in 0..<savesEach {
                        try await store.save(document, merge: Self.union(adding: ["s\(index)-\(save)"]))
                    }
                }
            }
            try await group.waitForAll()
        }
        let rows = try await stores[0].load(document)
        XCTAssertEqual(rows.count, 1)
        let expected = Set((0..<storeCount).flatMap { index in (0..<savesEach).map { "s\(index)-\($0)" } })
        XCTAssertEqual(rows.first.map(Self.decode), expected)
        for store in stores { await store.close() }
    }

    func closedStoreRefusesCalls() async throws {
        let store = try await open()
        await store.close()
        do {
            _ = try await store.load(DocumentID(uuid: UUID()))
            XCTFail("a closed store must refuse calls")
        } catch StoreError.closed {}
    }
}

/// Rows a merge closure was given, collected across the store's queue.
final class SeenRows: @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [[UInt8]] = []

    func record(_ rows: [[UInt8]]) { lock.withLock { collected = rows } }
    var rows: [[UInt8]] { lock.withLock { collected } }
}
