import DocumentStorage
import Foundation
import SQLiteStore
import TestSupport
import XCTest
import YCRDT

@testable import Persistence

/// A differential over random corruptions of valid updates (bit flips, splices,
/// truncations), each received by an editor whose autosaver saves to a real
/// SQLite file: for every corruption the editor accepts, what was saved,
/// reopened in a fresh process, is what the editor shows in every root; for
/// every one it refuses, the editor's document and the store are byte-identical
/// to before.
final class CorruptionDifferentialTests: XCTestCase {
    private static let childVariable = "QALAM_DIFFERENTIAL_CHILD"
    private static let roots = ["content", "notes"]

    /// One editor's view: every root's delta as text, and whether anything is pending.
    struct View: Codable, Equatable {
        var roots: [String: String]
        var pending: Bool

        init(_ doc: Doc) {
            var roots: [String: String] = [:]
            for name in Set(doc.rootTextNames).union(CorruptionDifferentialTests.roots) {
                roots[name] = Self.canonical(doc.getText(name).toDelta())
            }
            self.roots = roots
            pending = doc.hasPending
        }

        /// A delta as text, attributes in key order (dictionaries print in any order).
        static func canonical(_ delta: [TextDelta]) -> String {
            func attributes(_ values: [String: AnyValue]) -> String {
                values.keys.sorted().map { "\($0)=\(values[$0].map { "\($0)" } ?? "")" }.joined(separator: ",")
            }
            return delta.map { operation in
                switch operation {
                case let .insert(text, values): return "insert(\(text.debugDescription) {\(attributes(values))})"
                case let .embed(value, values): return "embed(\(value) {\(attributes(values))})"
                case let .retain(count, values): return "retain(\(count) {\(attributes(values))})"
                case let .delete(count): return "delete(\(count))"
                }
            }.joined(separator: " ")
        }
    }

    func testSavedThenReopenedInAFreshProcessIsWhatTheEditorShows() async throws {
        guard ProcessInfo.processInfo.environment[Self.childVariable] == nil else {
            throw XCTSkip("this is the parent test; it does not run inside the child")
        }
        let directory = try TemporaryDirectory()
        let store = try await directory.sqliteStore()
        var random = SplitMix64(seed: 0x5141_4C41_4D09)
        let base = try Self.baseState()
        let attempts = 1_000
        var expected: [String: View] = [:]
        var accepted = 0
        var refused = 0
        var kinds: [String: Int] = [:]
        for attempt in 0..<attempts {
            let document = DocumentID(name: "differential-\(attempt)")
            // What is stored, and the editor that opened it.
            try await store.save(document) { rows in try StoredState.integrate(rows: rows, with: [base]) }
            let persistence = YjsPersistence(
                store: store, document: document, options: .init(saveDelay: .seconds(3600)))
            let editor = Doc()
            try editor.applyUpdate(try await persistence.load().state)
            let storedBefore = try await store.load(document)
            let editorBefore = try editor.encodeStateAsUpdate()

            let (corrupted, kind) = Self.corrupt(try Self.validUpdate(over: base, random: &random), random: &random)
            kinds[kind, default: 0] += 1
            do {
                try editor.applyUpdate(corrupted, origin: "remote")
            } catch {
                refused += 1
                XCTAssertEqual(
                    try editor.encodeStateAsUpdate(), editorBefore,
                    "attempt \(attempt): a refused update changed the document")
                // The autosaver gets what the network got, and refuses it too.
                persistence.record(corrupted, isLocal: false)
                try await persistence.saveNow()
                let storedAfter = try await store.load(document)
                XCTAssertEqual(
                    storedAfter, storedBefore, "attempt \(attempt) (\(kind)): a refused update changed the store")
                await persistence.close()
                continue
            }
            accepted += 1
            persistence.record(corrupted, isLocal: false)
            do {
                try await persistence.saveNow()
            } catch {
                XCTFail("attempt \(attempt) (\(kind)): an update the editor accepted was not saved: \(error)")
                await persistence.close()
                continue
            }
            expected[document.name] = View(editor)
            await persistence.close()
        }
        XCTAssertEqual(accepted + refused, attempts)
        XCTAssertGreaterThan(accepted, 0, "no corruption was accepted: the differential tested nothing saved")
        XCTAssertGreaterThan(refused, 0, "no corruption was refused: the corruptions are too gentle")

        // Reopened by another process, through the same load path as `qalam edit`.
        let reopened = try Self.reopenInAFreshProcess(
            database: directory.path("qalam.sqlite3"), documents: Array(expected.keys))
        for (name, view) in expected.sorted(by: { $0.key < $1.key }) {
            XCTAssertEqual(reopened[name], view, "\(name): saved then reopened differs from what the editor showed")
        }
        print("differential: \(accepted) accepted and saved, \(refused) refused, of \(attempts) (\(kinds))")
        await store.close()
    }

    /// The child: loads each document named on stdin and prints every root as JSON.
    func testChildReopensTheSavedDocuments() async throws {
        guard let database = ProcessInfo.processInfo.environment[Self.childVariable] else {
            throw XCTSkip("runs only as the child process of testSavedThenReopenedInAFreshProcessIsWhatTheEditorShows")
        }
        let names = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            .split(separator: "\n").map(String.init)
        let store = try SQLiteStore(path: database)
        var views: [String: View] = [:]
        for name in names {
            let persistence = YjsPersistence(store: store, document: DocumentID(name: name))
            let doc = Doc()
            try doc.applyUpdate(try await persistence.load().state)
            views[name] = View(doc)
            await persistence.close()
        }
        await store.close()
        let json = try JSONEncoder().encode(views)
        FileHandle.standardOutput.write(Data("VIEWS ".utf8) + json + Data("\n".utf8))
    }

    private static func reopenInAFreshProcess(database: String, documents: [String]) throws -> [String: View] {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = ["PersistenceTests.CorruptionDifferentialTests/testChildReopensTheSavedDocuments"]
        var environment = ProcessInfo.processInfo.environment
        environment[childVariable] = database
        child.environment = environment
        let input = Pipe()
        let output = Pipe()
        child.standardInput = input
        child.standardOutput = output
        child.standardError = FileHandle.nullDevice
        try child.run()
        input.fileHandleForWriting.write(Data(documents.joined(separator: "\n").utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        child.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VIEWS ") }) else {
            throw XCTSkip("the child printed no views: \(text.suffix(2000))")
        }
        return try JSONDecoder().decode([String: View].self, from: Data(line.dropFirst("VIEWS ".count).utf8))
    }

    // MARK: - Inputs

    /// A document of two roots with content from two clients, formatting and deletions.
    static func baseState() throws -> [UInt8] {
        let a = Doc(clientID: 101)
        a.getText("content").insert("سلام hello world", at: 0)
        a.getText("content").format(at: 5, length: 5, attributes: ["bold": .bool(true)])
        a.getText("notes").insert("a note", at: 0)
        let b = Doc(clientID: 202)
        try b.applyUpdate(try a.encodeStateAsUpdate())
        b.getText("content").delete(at: 2, length: 3)
        b.getText("content").insert(" — مرحبا", at: b.getText("content").length)
        return try b.encodeStateAsUpdate()
    }

    /// A valid update of another client on top of the base: inserts, a delete, a format.
    static func validUpdate(over base: [UInt8], random: inout SplitMix64) throws -> [UInt8] {
        let doc = Doc(clientID: ClientID(1000 + random.next(below: 5)))
        try doc.applyUpdate(base)
        let before = doc.encodeStateVector()
        let root = doc.getText(roots[random.next(below: roots.count)])
        for _ in 0..<(1 + random.next(below: 3)) {
            switch random.next(below: 4) {
            case 0 where root.length > 1:
                root.delete(at: random.next(below: root.length - 1), length: 1)
            case 1 where root.length > 2:
                root.format(at: random.next(below: root.length - 1), length: 1, attributes: ["italic": .bool(true)])
            default:
                root.insert(["x", "ـبـ", "yz", "😀"][random.next(below: 4)], at: random.next(below: root.length + 1))
            }
        }
        return try doc.encodeStateAsUpdate(since: before)
    }

    /// A bit flip, a splice of random bytes, or a truncation.
    static func corrupt(_ update: [UInt8], random: inout SplitMix64) -> ([UInt8], String) {
        var bytes = update
        switch random.next(below: 3) {
        case 0:
            let index = random.next(below: bytes.count)
            bytes[index] ^= UInt8(1) << UInt8(random.next(below: 8))
            return (bytes, "bit flip")
        case 1:
            let start = random.next(below: bytes.count)
            let length = min(bytes.count - start, 1 + random.next(below: 4))
            let replacement = (0..<(1 + random.next(below: 4))).map { _ in UInt8(random.next(below: 256)) }
            bytes.replaceSubrange(start..<(start + length), with: replacement)
            return (bytes, "splice")
        default:
            return (Array(bytes.prefix(random.next(below: bytes.count))), "truncation")
        }
    }
}
