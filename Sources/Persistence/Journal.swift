import DocumentStorage
import Foundation

/// The crash journal of one open document: every update is appended to a file
/// as soon as it is made, so that a crash, `kill -9` or a lost database loses
/// nothing; the next session that opens the document replays it.
///
/// The file is `<document id>.<session>.journal` under the state directory.
/// Each session writes its own file and holds an exclusive `flock` on it while
/// open; a journal nobody holds was left by a session that died, and the next
/// `open` reads its records (`recovered`). Records are framed so that damage
/// costs only the records it touches (`JournalFormat`): recovery skips a
/// damaged record and carries on with the next intact one.
///
/// Recovery is two steps, because only the caller can tell whether a record is
/// an update the document accepts: `open` reads the left-over journals and
/// keeps them locked; `settleRecovery(accepted:)` copies the accepted records
/// into this session's journal, deletes the left-over journals that were read
/// and applied whole, and renames every other one to
/// `<name>.damaged-<timestamp>`, where it stays for a person to look at. A
/// journal is never deleted unless all of it was applied.
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
    /// Updates read from journals that crashed sessions left behind, oldest
    /// journal first; `settleRecovery(accepted:)` decides what becomes of them.
    public let recovered: [[UInt8]]
    /// What reading the left-over journals found (before any record was
    /// checked as an update).
    public let recoveryScan: JournalRecovery

    static var header: [UInt8] { JournalFormat.header }

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
    private var orphans: [Orphan]
    /// Tests: the next writes fail with this errno, as a full disk would make them.
    var injectedWriteError: Int32?

    /// A journal a dead session left, held locked until recovery is settled.
    struct Orphan {
        let descriptor: Int32
        let url: URL
        let decoded: JournalFormat.Decoded
        /// Indices of its records in `recovered`.
        let records: Range<Int>
    }

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

    /// Opens a new journal for `document` in `directory` (created if needed)
    /// and reads the records of every journal of the document that no running
    /// session holds (see `recovered`; call `settleRecovery(accepted:)` once
    /// they are applied).
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
        var found: [(descriptor: Int32, url: URL, decoded: JournalFormat.Decoded, modified: Date)] = []
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
            found.append((fd, url, JournalFormat.decode(bytes), modified))
        }
        removeStaleTemporaryFiles(of: document, in: directory, names: names)
        found.sort { $0.modified < $1.modified }
        var recovered: [[UInt8]] = []
        var orphans: [Orphan] = []
        for journal in found {
            let start = recovered.count
            recovered += journal.decoded.records
            orphans.append(
                Orphan(
                    descriptor: journal.descriptor, url: journal.url, decoded: journal.decoded,
                    records: start..<recovered.count))
        }
        do {
            return try Journal(
                url: directory.appendingPathComponent("\(prefix)\(UUID().uuidString.lowercased()).journal"),
                recovered: recovered, orphans: orphans, syncInterval: syncInterval)
        } catch {
            for orphan in orphans { Glibc.close(orphan.descriptor) }
            throw error
        }
    }

    /// Settles the recovery: copies the records `accepted` says were applied
    /// into this session's journal (so they survive another crash until
    /// saved), deletes every left-over journal that was read and applied in
    /// full, and renames the others to `<name>.damaged-<timestamp>`.
    ///
    /// - Parameter accepted: whether `recovered[index]` was applied.
    /// - Returns: the account of the recovery, with where damaged journals are kept.
    /// - Throws: `PersistenceError.journal` when the records cannot be copied;
    ///   the left-over journals are then left as they were, for the next session.
    @discardableResult
    public func settleRecovery(accepted: (Int) -> Bool) throws -> JournalRecovery {
        let pending: [Orphan] = lock.withLock {
            let taken = orphans
            orphans = []
            return taken
        }
        var report = recoveryScan
        report.recovered = 0
        report.refused = 0
        var keep: [Bool] = []
        do {
            for orphan in pending {
                var whole = orphan.decoded.isIntact
                for index in orphan.records {
                    if accepted(index) {
                        try append(recovered[index])
                        report.recovered += 1
                    } else {
                        report.refused += 1
                        whole = false
                    }
                }
                keep.append(!whole)
            }
            try sync()
        } catch {
            for orphan in pending { Glibc.close(orphan.descriptor) }
            throw error
        }
        // Only now that the records are safe in this session's journal.
        let stamp = Self.timestamp()
        for (orphan, isDamaged) in zip(pending, keep) {
            if isDamaged {
                let kept = orphan.url.path + ".damaged-" + stamp
                if rename(orphan.url.path, kept) == 0 {
                    report.keptFiles.append(kept)
                } else {
                    report.keptFiles.append(orphan.url.path)
                }
            } else {
                unlink(orphan.url.path)
            }
            Glibc.close(orphan.descriptor)
        }
        if !report.keptFiles.isEmpty { Self.syncDirectory(of: url) }
        return report
    }

    /// `20250102T030405Z`: sortable, and safe in a file name.
    private static func timestamp(_ date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
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

    private init(url: URL, recovered: [[UInt8]], orphans: [Orphan], syncInterval: Duration) throws {
        self.url = url
        self.recovered = recovered
        self.orphans = orphans
        self.syncInterval = syncInterval
        var scan = JournalRecovery()
        scan.found = recovered.count
        scan.damaged = orphans.reduce(0) { $0 + $1.decoded.damagedRecords }
        scan.damagedHeaders = orphans.filter(\.decoded.headerDamaged).count
        scan.journals = orphans.map(\.url.path)
        scan.recovered = recovered.count
        recoveryScan = scan
        descriptor = try Self.createLocked(at: url)
        fileLength = Self.header.count
    }

    deinit {
        if descriptor >= 0 { Glibc.close(descriptor) }
        for orphan in orphans { Glibc.close(orphan.descriptor) }
    }

    /// Appends one update. It reaches the kernel before this returns and the
    /// disk within the sync interval.
    ///
    /// - Throws: `PersistenceError.journal` when it cannot be written (a full
    ///   disk, an I/O error, a file system remounted read-only); nothing of
    ///   the record is left in the file then.
    public func append(_ update: [UInt8]) throws {
        let record = JournalFormat.encode(update)
        try lock.withLock {
            guard descriptor >= 0 else { throw PersistenceError.closed }
            if let failure = injectedWriteError.map({ String(cString: strerror($0)) })
                ?? Self.write(record, to: descriptor, at: fileLength)
            {
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
            // Recovery never settled: the left-over journals stay for the next session.
            for orphan in orphans { Glibc.close(orphan.descriptor) }
            orphans = []
        }
    }

    // MARK: - Decoding

    /// The intact records of a journal file's bytes and an account of the damage.
    static func decode(_ bytes: [UInt8]) -> JournalFormat.Decoded {
        JournalFormat.decode(bytes)
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
}
