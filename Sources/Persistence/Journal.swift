import DocumentStorage
import Foundation

/// The crash journal of one open document: every update is appended to a file
/// as soon as it is made, so that a crash, `kill -9` or a lost database loses
/// nothing; the next session that opens the document replays it.
///
/// The file is `<document id>.<session>.journal` under the state directory.
/// Each session writes its own file and holds an exclusive `flock` on it while
/// open; a journal nobody holds was left by a session that died, and the next
/// `open` adopts its records. Records are framed as
/// `length (UInt32 LE) · CRC-32 of payload (UInt32 LE) · payload`; a record
/// whose length or checksum does not match (a write torn by the crash) ends
/// the replay and is ignored.
///
/// Appends go to the kernel at once (a killed process loses nothing it
/// appended) and are fsync'd within `syncInterval` (a power cut loses at most
/// that much). Once a save that contains the records up to a `Mark` has
/// committed, `discard(through:)` drops them.
///
/// Thread-safe: `append` is called synchronously from the editor's update
/// callback, so the state sits behind a lock rather than in an actor.
public final class Journal: @unchecked Sendable {
    /// A position in the journal: everything appended before it was taken.
    public struct Mark: Sendable, Equatable, Comparable {
        /// Bytes of records ever appended before the mark (not a file offset:
        /// discarding shifts the file, never a mark).
        let position: Int
        public static func < (lhs: Mark, rhs: Mark) -> Bool { lhs.position < rhs.position }
    }

    /// The journal file of this session.
    public private(set) var url: URL
    /// Updates recovered from journals that crashed sessions left behind,
    /// oldest first. They are already copied into this session's journal.
    public let recovered: [[UInt8]]

    static let header: [UInt8] = Array("QALAMJ1\n".utf8)
    /// Larger records are taken for damage; no single Yjs update is this big.
    static let maximumRecordLength = 1 << 30

    private let lock = NSLock()
    private let syncQueue = DispatchQueue(label: "qalam.journal-sync")
    private let syncInterval: Duration
    // Guarded by `lock`:
    private var descriptor: Int32
    private var fileLength: Int
    private var discardedBytes = 0
    private var isDirty = false
    private var syncScheduled = false
    private var lastSyncError: PersistenceError?

    /// `$XDG_STATE_HOME/qalam` (default `~/.local/state/qalam`).
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> URL
    {
        if let stateHome = environment["XDG_STATE_HOME"], stateHome.hasPrefix("/") {
            return URL(fileURLWithPath: stateHome).appendingPathComponent("qalam")
        }
        guard let home = environment["HOME"], !home.isEmpty else {
            throw PersistenceError.journal(
                path: "$XDG_STATE_HOME/qalam", reason: "neither XDG_STATE_HOME nor HOME is set")
        }
        return URL(fileURLWithPath: home).appendingPathComponent(".local/state/qalam")
    }

    /// Opens a new journal for `document` in `directory` (created if needed),
    /// adopting the records of every journal of the document that no running
    /// session holds.
    public static func open(
        document: DocumentID, in directory: URL,
        syncInterval: Duration = .milliseconds(100)
    ) throws -> Journal {
        let path = directory.path
        do {
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
        } catch {
            throw PersistenceError.journal(path: path, reason: error.localizedDescription)
        }
        let prefix = document.description + "."
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        var orphans: [(descriptor: Int32, url: URL, records: [[UInt8]], modified: Date)] = []
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".journal") {
            let url = directory.appendingPathComponent(name)
            let fd = Glibc.open(url.path, O_RDWR | O_CLOEXEC)
            guard fd >= 0 else { continue }
            // Held by a running session: not ours to replay.
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                Glibc.close(fd)
                continue
            }
            let bytes = readAll(fd)
            let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
            let modified = attributes?[.modificationDate] as? Date ?? .distantPast
            orphans.append((fd, url, decode(bytes).records, modified))
        }
        removeStaleTemporaryFiles(of: document, in: directory, names: names)
        orphans.sort { $0.modified < $1.modified }
        let recovered = orphans.flatMap(\.records)

        let journal = try Journal(
            url: directory.appendingPathComponent("\(prefix)\(UUID().uuidString.lowercased()).journal"),
            recovered: recovered, syncInterval: syncInterval)
        do {
            for record in recovered { try journal.append(record) }
            try journal.sync()
        } catch {
            journal.close()
            for orphan in orphans { Glibc.close(orphan.descriptor) }
            throw error
        }
        // Only now that the records are safe in the new journal.
        for orphan in orphans {
            unlink(orphan.url.path)
            Glibc.close(orphan.descriptor)
        }
        return journal
    }

    /// Deletes the half-made files (`.…journal.new`, `.…tmp`) that a session
    /// killed while creating or compacting its journal left behind. A running
    /// session holds the lock on its own, and only for a moment, so an
    /// unlocked one older than a minute is garbage.
    private static func removeStaleTemporaryFiles(of document: DocumentID, in directory: URL, names: [String]) {
        let prefix = "." + document.description + "."
        for name in names where name.hasPrefix(prefix) && (name.hasSuffix(".new") || name.hasSuffix(".tmp")) {
            let url = directory.appendingPathComponent(name)
            let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
            guard let modified = attributes?[.modificationDate] as? Date, modified.timeIntervalSinceNow < -60 else {
                continue
            }
            let fd = Glibc.open(url.path, O_RDWR | O_CLOEXEC)
            guard fd >= 0 else { continue }
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { unlink(url.path) }
            Glibc.close(fd)
        }
    }

    private init(url: URL, recovered: [[UInt8]], syncInterval: Duration) throws {
        self.url = url
        self.recovered = recovered
        self.syncInterval = syncInterval
        descriptor = try Self.createLocked(at: url)
        fileLength = Self.header.count
    }

    deinit {
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    /// Appends one update. It reaches the kernel before this returns and the
    /// disk within the sync interval.
    public func append(_ update: [UInt8]) throws {
        var record = [UInt8]()
        record.reserveCapacity(8 + update.count)
        Self.appendLittleEndian(UInt32(update.count), to: &record)
        Self.appendLittleEndian(CRC32.checksum(update), to: &record)
        record += update

        try lock.withLock {
            guard descriptor >= 0 else { throw PersistenceError.closed }
            if let failure = Self.write(record, to: descriptor, at: fileLength) {
                // Leave no half record behind for the next append to follow.
                _ = ftruncate(descriptor, off_t(fileLength))
                throw PersistenceError.journal(path: url.path, reason: failure)
            }
            fileLength += record.count
            isDirty = true
            if !syncScheduled {
                syncScheduled = true
                let delay = syncInterval
                syncQueue.asyncAfter(
                    deadline: .now()
                        + .nanoseconds(
                            Int(delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000)
                        )
                ) { [weak self] in
                    self?.backgroundSync()
                }
            }
        }
    }

    /// Everything appended so far.
    public var mark: Mark {
        lock.withLock { Mark(position: discardedBytes + fileLength - Self.header.count) }
    }

    /// Forces appended records to disk now.
    public func sync() throws {
        try lock.withLock {
            guard descriptor >= 0 else { return }
            try syncLocked()
        }
    }

    /// The error of the last background sync, if it failed.
    public var syncError: PersistenceError? { lock.withLock { lastSyncError } }

    /// Drops the records before `mark`, once a save containing them committed.
    /// Records appended after the mark are kept (atomically, through a new
    /// file renamed over the old one).
    public func discard(through mark: Mark) throws {
        try lock.withLock {
            guard descriptor >= 0 else { throw PersistenceError.closed }
            let drop = mark.position - discardedBytes
            guard drop > 0 else { return }
            let dropEnd = Self.header.count + drop
            guard dropEnd <= fileLength else { return }
            if dropEnd == fileLength {
                guard ftruncate(descriptor, off_t(Self.header.count)) == 0 else {
                    throw PersistenceError.journal(path: url.path, reason: String(cString: strerror(errno)))
                }
                fileLength = Self.header.count
                discardedBytes += drop
                try syncLocked(force: true)
                return
            }
            // Keep the tail: write it to a new, locked file and swap it in.
            let tail = Self.read(descriptor, from: dropEnd, count: fileLength - dropEnd)
            let temporary = url.deletingLastPathComponent()
                .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString.prefix(8)).tmp")
            let newDescriptor = try Self.createLocked(at: temporary)
            if let failure = Self.write(tail, to: newDescriptor, at: Self.header.count)
                ?? (fsync(newDescriptor) == 0 ? nil : String(cString: strerror(errno)))
            {
                Glibc.close(newDescriptor)
                unlink(temporary.path)
                throw PersistenceError.journal(path: temporary.path, reason: failure)
            }
            guard rename(temporary.path, url.path) == 0 else {
                let reason = String(cString: strerror(errno))
                Glibc.close(newDescriptor)
                unlink(temporary.path)
                throw PersistenceError.journal(path: url.path, reason: reason)
            }
            Self.syncDirectory(of: url)
            Glibc.close(descriptor)
            descriptor = newDescriptor
            fileLength = Self.header.count + tail.count
            discardedBytes += drop
            isDirty = false
        }
    }

    /// Syncs and closes the journal. A journal with no records left is
    /// deleted; one with records stays for the next session to replay.
    public func close() {
        lock.withLock {
            guard descriptor >= 0 else { return }
            try? syncLocked()
            if fileLength == Self.header.count {
                unlink(url.path)
            }
            Glibc.close(descriptor)
            descriptor = -1
        }
    }

    // MARK: - Decoding

    /// The whole records of a journal file's bytes, in order, and how many
    /// bytes they span; a torn or damaged record ends the list.
    static func decode(_ bytes: [UInt8]) -> (records: [[UInt8]], validLength: Int) {
        guard bytes.count >= header.count, Array(bytes[0..<header.count]) == header else { return ([], 0) }
        var records: [[UInt8]] = []
        var offset = header.count
        while bytes.count - offset >= 8 {
            let length = Int(readLittleEndian(bytes, at: offset))
            let checksum = readLittleEndian(bytes, at: offset + 4)
            guard length <= maximumRecordLength, length <= bytes.count - offset - 8 else { break }
            let payload = Array(bytes[(offset + 8)..<(offset + 8 + length)])
            guard CRC32.checksum(payload) == checksum else { break }
            records.append(payload)
            offset += 8 + length
        }
        return (records, offset)
    }

    // MARK: - File helpers

    private func backgroundSync() {
        lock.withLock {
            syncScheduled = false
            guard descriptor >= 0 else { return }
            do {
                try syncLocked()
                lastSyncError = nil
            } catch let error as PersistenceError {
                lastSyncError = error
            } catch {}
        }
    }

    private func syncLocked(force: Bool = false) throws {
        guard isDirty || force else { return }
        guard fsync(descriptor) == 0 else {
            throw PersistenceError.journal(path: url.path, reason: String(cString: strerror(errno)))
        }
        isDirty = false
    }

    /// Creates a file holding only the header, locked by this session, and
    /// makes its directory entry durable. The lock is taken on a temporary
    /// name first so no other session ever sees it unlocked.
    private static func createLocked(at url: URL) throws -> Int32 {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).new")
        let fd = Glibc.open(temporary.path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw PersistenceError.journal(path: url.path, reason: String(cString: strerror(errno)))
        }
        var failure: String?
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            failure = String(cString: strerror(errno))
        } else if let writeFailure = write(header, to: fd, at: 0) {
            failure = writeFailure
        } else if fsync(fd) != 0 || rename(temporary.path, url.path) != 0 {
            failure = String(cString: strerror(errno))
        }
        if let failure {
            Glibc.close(fd)
            unlink(temporary.path)
            throw PersistenceError.journal(path: url.path, reason: failure)
        }
        syncDirectory(of: url)
        return fd
    }

    private static func syncDirectory(of url: URL) {
        let fd = Glibc.open(url.deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        Glibc.close(fd)
    }

    /// Writes all of `bytes` at `offset`; returns why it could not.
    private static func write(_ bytes: [UInt8], to fd: Int32, at offset: Int) -> String? {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return pwrite(fd, base + written, buffer.count - written, off_t(offset + written))
            }
            if result < 0 {
                if errno == EINTR { continue }
                return String(cString: strerror(errno))
            }
            written += result
        }
        return nil
    }

    private static func read(_ fd: Int32, from offset: Int, count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let result = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return pread(fd, base + done, count - done, off_t(offset + done))
            }
            if result < 0, errno == EINTR { continue }
            guard result > 0 else { break }
            done += result
        }
        return Array(bytes[0..<done])
    }

    private static func readAll(_ fd: Int32) -> [UInt8] {
        var status = stat()
        guard fstat(fd, &status) == 0 else { return [] }
        return read(fd, from: 0, count: Int(status.st_size))
    }

    private static func appendLittleEndian(_ value: UInt32, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    private static func readLittleEndian(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << UInt32($1 * 8) }
    }
}
