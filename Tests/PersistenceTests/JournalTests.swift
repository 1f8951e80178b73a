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

    private func damagedFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.url.path)
            .filter { $0.contains(".journal.damaged-") }
    }

    /// Simulates a crash: the journal is dropped without `close()`, so its
    /// lock goes away with its file descriptor and its file stays.
    private func crash(_ journal: inout Journal?) {
        journal = nil
    }

    /// Opens a journal as a session does: reads the left-over journals and
    /// settles their recovery, every record accepted.
    private func reopen() throws -> (journal: Journal, report: JournalRecovery) {
        let journal = try Journal.open(document: document, in: directory.url)
        let report = try journal.settleRecovery(accepted: { _ in true })
        return (journal, report)
    }

    /// A journal of `count` records `record 0` … left by a crashed session; its file.
    private func crashedJournal(records count: Int) throws -> URL {
        var journal: Journal? = try Journal.open(document: document, in: directory.url)
        for index in 0..<count { try journal?.append(Array("record \(index)".utf8)) }
        let url = try XCTUnwrap(journal?.url)
        crash(&journal)
        return url
    }

    /// The file offset of record `index` in a journal of `record N` payloads.
    private func offset(ofRecord index: Int) -> Int {
        JournalFormat.header.count
            + (0..<index).reduce(0) { $0 + JournalFormat.recordHeaderLength + "record \($1)".utf8.count }
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
        XCTAssertEqual(try journalFiles().count, 2, "the old journal stays until the recovery is settled")
        let report = try XCTUnwrap(reopened?.settleRecovery(accepted: { _ in true }))
        XCTAssertEqual(report.recovered, 3)
        XCTAssertTrue(report.isComplete)
        XCTAssertEqual(report.description, "recovered 3 edits from the crash journal")
        // The records moved into the new session's journal; the old file is gone.
        XCTAssertEqual(try journalFiles(), [try XCTUnwrap(reopened?.url.lastPathComponent)])

        // And they survive a second crash, until saved.
        crash(&reopened)
        let third = try reopen()
        XCTAssertEqual(third.journal.recovered.count, 3)
        third.journal.close()
    }

    func testTornLastRecordCostsOnlyItselfAndTheJournalIsKept() throws {
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

        let (reopened, report) = try reopen()
        XCTAssertEqual(reopened.recovered, [Array("first".utf8), Array("second".utf8)])
        XCTAssertEqual(report.recovered, 2)
        XCTAssertEqual(report.total, 3)
        XCTAssertEqual(report.damaged, 1)
        XCTAssertEqual(try damagedFiles().count, 1, "a journal not applied in full is kept")
        reopened.close()
    }

    /// One flipped bit in record 10 of 50: the other 49 are recovered, the
    /// file is kept under a name that says so, and the report says where.
    func testDamagedRecordIsSkippedAndEveryLaterRecordRecovered() throws {
        let url = try crashedJournal(records: 50)
        var bytes = try Array(Data(contentsOf: url))
        bytes[offset(ofRecord: 10) + JournalFormat.recordHeaderLength + 3] ^= 0x04
        try Data(bytes).write(to: url)

        let (reopened, report) = try reopen()
        defer { reopened.close() }
        let expected = (0..<50).filter { $0 != 10 }.map { Array("record \($0)".utf8) }
        XCTAssertEqual(reopened.recovered, expected)
        XCTAssertEqual(report.recovered, 49)
        XCTAssertEqual(report.total, 50)
        XCTAssertEqual(report.damaged, 1)
        let kept = try XCTUnwrap(report.keptFiles.first)
        XCTAssertTrue(kept.hasPrefix(url.path + ".damaged-"), kept)
        XCTAssertTrue(FileManager.default.fileExists(atPath: kept), "the damaged journal was deleted")
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: kept))), bytes, "kept as it was")
        XCTAssertTrue(report.description.hasPrefix("recovered 49 of 50 edits (1 damaged); the journal is kept as "))
        XCTAssertTrue(report.description.hasSuffix(kept))
    }

    /// A bit flipped in a record's length: its frame no longer checks, and the
    /// reader resynchronises on the next record's marker.
    func testDamagedLengthResynchronisesOnTheNextRecord() throws {
        let url = try crashedJournal(records: 50)
        var bytes = try Array(Data(contentsOf: url))
        bytes[offset(ofRecord: 10) + 5] ^= 0x10
        try Data(bytes).write(to: url)

        let (reopened, report) = try reopen()
        defer { reopened.close() }
        XCTAssertEqual(reopened.recovered.count, 49)
        XCTAssertFalse(reopened.recovered.contains(Array("record 10".utf8)))
        XCTAssertEqual(report.damaged, 1)
    }

    /// A damaged file header: every record is still recovered, and the file kept.
    func testDamagedHeaderStillRecoversEveryRecord() throws {
        let url = try crashedJournal(records: 50)
        var bytes = try Array(Data(contentsOf: url))
        bytes[2] ^= 0x01
        try Data(bytes).write(to: url)

        let (reopened, report) = try reopen()
        defer { reopened.close() }
        XCTAssertEqual(reopened.recovered, (0..<50).map { Array("record \($0)".utf8) })
        XCTAssertEqual(report.recovered, 50)
        XCTAssertEqual(report.damagedHeaders, 1)
        XCTAssertFalse(report.isComplete)
        XCTAssertEqual(try damagedFiles().count, 1)
    }

    /// A record the caller does not accept (not a valid update): the others
    /// are kept, and so is the file.
    func testRefusedRecordKeepsTheJournal() throws {
        _ = try crashedJournal(records: 5)
        let journal = try Journal.open(document: document, in: directory.url)
        defer { journal.close() }
        let report = try journal.settleRecovery(accepted: { $0 != 2 })
        XCTAssertEqual(report.recovered, 4)
        XCTAssertEqual(report.refused, 1)
        XCTAssertTrue(
            report.description.hasPrefix("recovered 4 of 5 edits (1 not a valid update); the journal is kept as "))
        XCTAssertEqual(try damagedFiles().count, 1)
    }

    /// Journals written before the framing changed are still read.
    func testVersion1JournalsAreStillRead() throws {
        func v1Record(_ payload: String) -> [UInt8] {
            var bytes: [UInt8] = []
            JournalFormat.appendLittleEndian(UInt32(payload.utf8.count), to: &bytes)
            JournalFormat.appendLittleEndian(CRC32.checksum(Array(payload.utf8)), to: &bytes)
            return bytes + Array(payload.utf8)
        }
        let url = directory.url.appendingPathComponent("\(document.description).old-session.journal")
        try Data(JournalFormat.headerV1 + v1Record("one") + v1Record("two")).write(to: url)
        let (reopened, report) = try reopen()
        defer { reopened.close() }
        XCTAssertEqual(reopened.recovered, [Array("one".utf8), Array("two".utf8)])
        XCTAssertTrue(report.isComplete)
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }

    func testGarbageAndHugeLengthsNeverCrash() {
        XCTAssertEqual(Journal.decode([]).records, [])
        XCTAssertEqual(Journal.decode(Array("not a journal".utf8)).records, [])
        let huge = JournalFormat.header + JournalFormat.marker + [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 1, 2, 3]
        XCTAssertEqual(Journal.decode(huge).records, [])
        XCTAssertEqual(Journal.decode(JournalFormat.header + [5, 0, 0]).records, [])
        XCTAssertEqual(Journal.decode(JournalFormat.header + [5, 0, 0]).damagedRecords, 1)
    }

    /// A write the disk refuses (ENOSPC) throws and leaves nothing of the record behind.
    func testAFailedWriteThrowsAndLeavesNoHalfRecord() throws {
        var journal: Journal? = try Journal.open(document: document, in: directory.url)
        try journal?.append(Array("before".utf8))
        journal?.injectedWriteError = ENOSPC
        XCTAssertThrowsError(try journal?.append(Array("lost".utf8))) { error in
            guard case let PersistenceError.journal(_, reason) = error else { return XCTFail("got \(error)") }
            XCTAssertEqual(reason, String(cString: strerror(ENOSPC)))
        }
        journal?.injectedWriteError = nil
        try journal?.append(Array("after".utf8))
        crash(&journal)
        let (reopened, report) = try reopen()
        XCTAssertEqual(reopened.recovered, [Array("before".utf8), Array("after".utf8)])
        XCTAssertTrue(report.isComplete)
        reopened.close()
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

        let (reopened, _) = try reopen()
        XCTAssertEqual(reopened.recovered, [Array("c".utf8), Array("d".utf8)])
        reopened.close()
    }

    func testDiscardingEverythingLeavesNothingToReplay() throws {
        var journal: Journal? = try Journal.open(document: document, in: directory.url)
        try journal?.append(Array("saved".utf8))
        try journal?.discard(through: try XCTUnwrap(journal?.mark))
        crash(&journal)
        let (reopened, _) = try reopen()
        XCTAssertEqual(reopened.recovered, [])
        reopened.close()
        XCTAssertEqual(try journalFiles(), [], "an empty journal is deleted at close")
    }

    func testJournalWithRecordsIsKeptAtClose() throws {
        let journal = try Journal.open(document: document, in: directory.url)
        try journal.append(Array("unsaved".utf8))
        journal.close()
        let (reopened, _) = try reopen()
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
