import DocumentStorage
import Foundation
import PostgresStore
import SQLiteStore
import TestSupport
import XCTest
import YCRDT

@testable import Persistence

/// The autosaver with real Yjs documents.
final class YjsDocumentTests: XCTestCase {
    private var directory: TemporaryDirectory!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
    }

    private func text(in store: DocumentStore, _ document: DocumentID) async throws -> String {
        // Keep the doc alive while its text is read: a dropped Doc empties its types.
        let doc = try StoredState.document(from: try await store.load(document))
        return doc.getText().toString()
    }

    func testEditsOfAnOpenDocumentAreSaved() async throws {
        let store = try await directory.sqliteStore()
        let document = DocumentID(name: "yjs-edit")
        let persistence = YjsPersistence(
            store: store, document: document,
            options: .init(saveDelay: .seconds(3600)))
        let doc = Doc()
        doc.onUpdate { update, _ in persistence.record(update) }
        try doc.applyUpdate(try await persistence.load().state, origin: "store")
        doc.getText().insert("مرحبا", at: 0)
        doc.getText().insert(" world", at: 5)
        try await persistence.flush()
        let saved = try await text(in: store, document)
        XCTAssertEqual(saved, "مرحبا world")
    }

    func testCrashedEditsAreReplayedIntoTheDocument() async throws {
        let store = try await directory.sqliteStore()
        let document = DocumentID(name: "yjs-crash")
        let journalDirectory = directory.url.appendingPathComponent("state")
        weak var crashedJournal: Journal?
        do {
            let journal = try Journal.open(document: document, in: journalDirectory)
            crashedJournal = journal
            let persistence = YjsPersistence(
                store: store, document: document, journal: journal,
                options: .init(saveDelay: .seconds(3600)))
            let doc = Doc()
            doc.onUpdate { update, _ in persistence.record(update) }
            try doc.applyUpdate(try await persistence.load().state)
            doc.getText().insert("typed before kill -9", at: 0)
        }
        await eventually { crashedJournal == nil }

        let journal = try Journal.open(document: document, in: journalDirectory)
        let persistence = YjsPersistence(store: store, document: document, journal: journal)
        let doc = Doc()
        try doc.applyUpdate(try await persistence.load().state)
        XCTAssertEqual(doc.getText().toString(), "typed before kill -9")
        try await persistence.flush()
        let saved = try await text(in: store, document)
        XCTAssertEqual(saved, "typed before kill -9")
        await persistence.close()
    }

    /// Five editors type into one document at once, each with its own
    /// autosaver and database connection, exchanging no updates: the stored
    /// document must hold every editor's text.
    func testFiveConcurrentEditorsLoseNothingPostgres() async throws {
        let url = try PostgresTestDatabase.url()
        let setup = PostgresStore(connectionString: url)
        try await setup.migrate()
        await setup.close()
        try await fiveEditors { PostgresStore(connectionString: url) }
    }

    func testFiveConcurrentEditorsLoseNothingSQLite() async throws {
        let path = directory.path("qalam.sqlite3")
        _ = try await directory.sqliteStore()
        try await fiveEditors { try SQLiteStore(path: path) }
    }

    private func fiveEditors(open: @escaping @Sendable () throws -> DocumentStore) async throws {
        let document = DocumentID(name: "yjs-five-\(UUID())")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for editor in 0..<5 {
                group.addTask {
                    let store = try open()
                    let persistence = YjsPersistence(
                        store: store, document: document,
                        options: .init(
                            saveDelay: .milliseconds(30),
                            initialRetryDelay: .milliseconds(50)))
                    try await Self.type(editor: editor, persistence: persistence)
                    try await persistence.flush()
                    await persistence.close()
                    await store.close()
                }
            }
            try await group.waitForAll()
        }
        let check = try open()
        let saved = try await text(in: check, document)
        // Concurrent appends at the same place may interleave (that is the
        // CRDT's choice), but every editor's characters survive, in order.
        for (editor, typed) in Self.alphabets.enumerated() {
            XCTAssertEqual(saved.filter { typed.contains($0) }, typed, "editor \(editor)'s text is damaged in \(saved)")
        }
        XCTAssertEqual(saved.count, Self.alphabets.joined().count)
        await check.close()
    }

    /// What each editor types: characters no other editor types.
    private static let alphabets = ["abcdefghij", "klmnopqrst", "uvwxyzABCD", "EFGHIJKLMN", "ابتثجحخدذر"]

    /// One editor's session; the `Doc` stays on this task.
    private static func type(editor: Int, persistence: YjsPersistence) async throws {
        let doc = Doc()
        doc.onUpdate { update, _ in persistence.record(update) }
        try doc.applyUpdate(try await persistence.load().state)
        let text = doc.getText()
        // Append at the end of what this editor knows, one character at a time.
        let start = text.length
        for (offset, character) in alphabets[editor].enumerated() {
            text.insert(String(character), at: start + offset)
            try await Task.sleep(for: .milliseconds(Int.random(in: 1...6)))
        }
    }
}
