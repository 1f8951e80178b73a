import DocumentStorage
import Foundation
import XCTest

@testable import Persistence

final class JournalTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private let document = DocumentID(name: "journal-test")

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
    }

    private func journalFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.url.path)
            .filter { $0.hasSuffix(".journal") }
    }

    /// Simulates a crash: the journal is dropped without `close()`, so its
    /// lock goes away with its file descriptor and its file stays.
    private func crash(_ journal: inout Journal?) {
        journal = nil
    }

    func testRecordsAreReplayedAfterACrash() throws {
        var journal: Journal? = try Journal.open(document: document, in: directory.url)
        XCTAssertEqual(journal?.recovered, [])
        try journal?.append([1, 2, 3])
        try journal?.append([])
        try journal?.append(Array(repeating: 0xAB, count: 70_000))
        crash(&journal)

        var reopened: Journal? = try Journal.open(document: document, in: directory.url)
        XCTAssertEqual(reopened?.recovered, [[1, 2, 3], [], Array(repeating: 0xAB, count: 70_000)])
        // The records moved into the new session's journal; the old file is gone.
        XCTAssertEqual(try journalFiles(), [try XCTUnwrap(reopened?.url.lastPathComponent)])

        // And they survive a second crash, until saved.
        crash(&reopened)
        let third = try Journal.open(document: document, in: directory.url)
        XCTAssertEqual(third.recovered.count, 3)
        third.close()
    }

    func testTornLastRecordIsIgnored() throws {
        var journal: Journal? = try Journal.open(document: document, in: directory.url)
        try journal?.append(Array("first".utf8))
        try journal?.append(Array("second".utf8))
        try journal?.append(Array("third, torn by the crash".utf8))
        let url = try XCTUnwrap(journal?.url)
        crash(&journal)

        let handle = try FileHandle(forUpdating: url)
        let size = try handle.seekToEnd()
        try handle.truncate(atOffset: size - 5)
        try handle.close()

        let reopened = try Journal.open(document: document, in: directory.url)
        XCTAssertEqual(reopened.recovered, [Array("first".utf8), Array("second".utf8)])
        reopened.close()
    }

    func testDamagedRecordEndsTheReplay() throws {
        var journal: Journal? = try Journal.open(document: document, in: directory.url)
        try journal?.append(Array("good".utf8))
        try journal?.append(Array("flipped".utf8))
        try journal?.append(Array("after".utf8))
        let url = try XCTUnwrap(journal?.url)
        crash(&journal)

        var bytes = try Array(Data(contentsOf: url))
        let header = Journal.header.count
        bytes[header + 8 + 4 + 8 + 2] ^= 0xFF  // a payload byte of "flipped"
        try Data(bytes).write(to: url)

        let reopened = try Journal.open(document: document, in: directory.url)
        XCTAssertEqual(reopened.recovered, [Array("good".utf8)])
        reopened.close()
    }

    func testGarbageAndHugeLengthsNeverCrash() {
        XCTAssertEqual(Journal.decode([]).records, [])
        XCTAssertEqual(Journal.decode(Array("not a journal".utf8)).records, [])
        let huge = Journal.header + [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 1, 2, 3]
        XCTAssertEqual(Journal.decode(huge).records, [])
        XCTAssertEqual(Journal.decode(Journal.header + [5, 0, 0]).records, [])
    }

    func testDiscardKeepsRecordsAfterTheMark() throws {
        var journal: Journal? = try Journal.open(document: document, in: directory.url)
        try journal?.append(Array("a".utf8))
        try journal?.append(Array("b".utf8))
        let mark = try XCTUnwrap(journal?.mark)
        try journal?.append(Array("c".utf8))
        try journal?.discard(through: mark)
        // A stale mark (already discarded) changes nothing.
        try journal?.discard(through: mark)
        try journal?.append(Array("d".utf8))
        crash(&journal)

        let reopened = try Journal.open(document: document, in: directory.url)
        XCTAssertEqual(reopened.recovered, [Array("c".utf8), Array("d".utf8)])
        reopened.close()
    }

    func testDiscardingEverythingLeavesNothingToReplay() throws {
        var journal: Journal? = try Journal.open(document: document, in: directory.url)
        try journal?.append(Array("saved".utf8))
        try journal?.discard(through: try XCTUnwrap(journal?.mark))
        crash(&journal)
        let reopened = try Journal.open(document: document, in: directory.url)
        XCTAssertEqual(reopened.recovered, [])
        reopened.close()
        XCTAssertEqual(try journalFiles(), [], "an empty journal is deleted at close")
    }

    func testJournalWithRecordsIsKeptAtClose() throws {
        let journal = try Journal.open(document: document, in: directory.url)
        try journal.append(Array("unsaved".utf8))
        journal.close()
        let reopened = try Journal.open(document: document, in: directory.url)
        XCTAssertEqual(reopened.recovered, [Array("unsaved".utf8)])
        reopened.close()
    }

    func testALiveSessionsJournalIsNotAdopted() throws {
        let live = try Journal.open(document: document, in: directory.url)
        try live.append(Array("mine".utf8))
        let other = try Journal.open(document: document, in: directory.url)
        XCTAssertEqual(other.recovered, [], "another running session's journal is not ours")
        XCTAssertTrue(FileManager.default.fileExists(atPath: live.url.path))

        let otherDocument = try Journal.open(document: DocumentID(name: "another"), in: directory.url)
        XCTAssertEqual(otherDocument.recovered, [])
        live.close()
        other.close()
        otherDocument.close()
    }

    func testStaleTemporaryFilesAreRemoved() throws {
        let stale = directory.url.appendingPathComponent(".\(document.description).dead.journal.new")
        let fresh = directory.url.appendingPathComponent(".\(document.description).live.journal.new")
        try Data([1]).write(to: stale)
        try Data([1]).write(to: fresh)
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: stale.path)
        let journal = try Journal.open(document: document, in: directory.url)
        journal.close()
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale.path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: fresh.path), "a file that may be in use is left alone")
    }

    func testBackgroundSyncRuns() async throws {
        let journal = try Journal.open(document: document, in: directory.url, syncInterval: .milliseconds(10))
        try journal.append([42])
        try await Task.sleep(for: .milliseconds(200))
        XCTAssertNil(journal.syncError)
        journal.close()
    }

    func testDefaultDirectoryFollowsXDG() throws {
        XCTAssertEqual(
            try Journal.defaultDirectory(environment: ["XDG_STATE_HOME": "/x/state", "HOME": "/h"]).path,
            "/x/state/qalam")
        XCTAssertEqual(
            try Journal.defaultDirectory(environment: ["XDG_STATE_HOME": "relative", "HOME": "/h"]).path,
            "/h/.local/state/qalam")
        XCTAssertThrowsError(try Journal.defaultDirectory(environment: [:]))
    }

    func testUnwritableDirectoryIsAClearError() throws {
        let file = directory.url.appendingPathComponent("a-file")
        try Data().write(to: file)
        XCTAssertThrowsError(try Journal.open(document: document, in: file.appendingPathComponent("sub"))) { error in
            guard case PersistenceError.journal = error else { return XCTFail("got \(error)") }
        }
    }
}
