import DocumentStorage
import Foundation

/// This machine's copy of the last state of a document that was saved to, or
/// loaded from, the store: `<document id>.state` beside the crash journals.
///
/// With the journal it is the local copy a writer opens from when the store
/// cannot be reached. One framed record (`JournalFormat`) after a header of
/// its own, so a damaged cache is recognised and ignored, never applied;
/// written to a temporary file and renamed over the old one, so a crash
/// leaves the old copy or the new one, never half of one.
public struct StateCache: Sendable {
    static let header: [UInt8] = Array("QALAMS1\n".utf8)

    /// The cache file.
    public let url: URL

    public init(document: DocumentID, directory: URL) {
        url = directory.appendingPathComponent("\(document.description).state")
    }

    /// The cached state; nil when there is none or it is damaged.
    public func read() -> [UInt8]? {
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        let bytes = [UInt8](data)
        guard bytes.starts(with: Self.header) else { return nil }
        let decoded = JournalFormat.decode(JournalFormat.header + bytes.dropFirst(Self.header.count))
        guard decoded.isIntact, decoded.records.count == 1 else { return nil }
        return decoded.records[0]
    }

    /// Replaces the cached state with `state`.
    ///
    /// - Throws: `PersistenceError.localCopy` naming the file when it cannot be written.
    public func write(_ state: [UInt8]) throws {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString.prefix(8)).tmp")
        let bytes = Self.header + JournalFormat.encode(state)
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw PersistenceError.localCopy(path: url.path, reason: String(cString: strerror(errno)))
        }
        var failure: String?
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                Glibc.write(fd, buffer.baseAddress! + written, buffer.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                failure = String(cString: strerror(errno))
                break
            }
            written += result
        }
        if failure == nil, fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        close(fd)
        if failure == nil, rename(temporary.path, url.path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary.path)
            throw PersistenceError.localCopy(path: url.path, reason: failure)
        }
    }
}
