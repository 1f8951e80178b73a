import DocumentStorage
import Foundation
import XCTest

@testable import Persistence

/// `kill -9` of a process that is appending to its journal loses nothing that
/// was appended a tick before the kill. The child is this same test binary,
/// re-run with a filter and an environment variable.
final class JournalKillTests: XCTestCase {
    private static let childDirectoryVariable = "QALAM_JOURNAL_CHILD_DIR"
    private let document = DocumentID(name: "kill-9")

    func testKillNineLosesNothingAppendedATickEarlier() throws {
        guard ProcessInfo.processInfo.environment[Self.childDirectoryVariable] == nil else {
            throw XCTSkip("this is the parent test; it does not run inside the child")
        }
        let directory = try TemporaryDirectory()
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = ["PersistenceTests.JournalKillTests/testChildAppendsUntilKilled"]
        var environment = ProcessInfo.processInfo.environment
        environment[Self.childDirectoryVariable] = directory.url.path
        child.environment = environment
        let output = Pipe()
        child.standardOutput = output
        child.standardError = FileHandle.nullDevice
        try child.run()

        // Read the child's "appended N" lines until it has appended plenty.
        var buffer = Data()
        var lastAcknowledged = -1
        let deadline = Date().addingTimeInterval(60)
        while lastAcknowledged < 300, Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            let lines = String(decoding: buffer, as: UTF8.self).split(separator: "\n")
            if let last = lines.last(where: { $0.hasPrefix("appended ") }),
                let index = Int(last.dropFirst("appended ".count))
            {
                lastAcknowledged = index
            }
        }
        XCTAssertGreaterThanOrEqual(lastAcknowledged, 300, "the child did not start appending")
        // One tick (100 ms), generously.
        Thread.sleep(forTimeInterval: 0.4)
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        XCTAssertEqual(child.terminationReason, .uncaughtSignal)

        let journal = try Journal.open(document: document, in: directory.url)
        defer { journal.close() }
        let recovered = journal.recovered.map { String(decoding: $0, as: UTF8.self) }
        XCTAssertGreaterThan(recovered.count, lastAcknowledged, "records acknowledged before the kill were lost")
        // What survives is a gap-free prefix of what was appended.
        XCTAssertEqual(recovered, (0..<recovered.count).map { "record \($0)" })
    }

    /// The child: appends records one by one, acknowledging each, until killed.
    func testChildAppendsUntilKilled() throws {
        guard let path = ProcessInfo.processInfo.environment[Self.childDirectoryVariable] else {
            throw XCTSkip("runs only as the child process of testKillNineLosesNothingAppendedATickEarlier")
        }
        let journal = try Journal.open(document: document, in: URL(fileURLWithPath: path))
        for index in 0..<1_000_000 {
            try journal.append(Array("record \(index)".utf8))
            FileHandle.standardOutput.write(Data("appended \(index)\n".utf8))
            usleep(500)
        }
    }
}
