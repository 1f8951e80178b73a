import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The key that makes a relay private to its user: the embedded default that
/// `qalam edit` hosts, and `qalam serve` without a JWT secret.
///
/// It lives in a file only its user can read (`0600`, in a `0700` directory,
/// created on first use). The relay uses it as its JWT secret, so only someone
/// who can read the file can mint a token that joins; and the relay proves it
/// holds it (`proof(for:)`) before an editor sends anything, so a program that
/// took the port first, or another local user's relay, learns nothing.
public struct RelayKey: Sendable, Equatable {
    /// The key, 32 random bytes in base64url: the relay's JWT secret.
    public let secret: String

    /// The file's name in the state directory.
    public static let fileName = "relay-key"
    /// What a proof signs besides the challenge and the relay's address, so that a
    /// proof can never pass for anything else signed with the key (a JWT's signing
    /// input has no `:` before its first `.`, this always has one).
    static let proofLabel = "qalam-relay-proof-v2:"

    public init(secret: String) {
        self.secret = secret
    }

    /// `$QALAM_RELAY_KEY_FILE` when it is an absolute path (one user's several
    /// profiles, or tests, sharing a key), else `$XDG_STATE_HOME/qalam/relay-key`
    /// (default `~/.local/state/qalam/relay-key`).
    public static func defaultURL(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        if let file = environment["QALAM_RELAY_KEY_FILE"], file.hasPrefix("/") {
            return URL(fileURLWithPath: file)
        }
        if let stateHome = environment["XDG_STATE_HOME"], stateHome.hasPrefix("/") {
            return URL(fileURLWithPath: stateHome).appendingPathComponent("qalam/\(fileName)")
        }
        guard let home = environment["HOME"], !home.isEmpty else {
            throw RelayKeyError.noPlace("neither XDG_STATE_HOME nor HOME is set")
        }
        return URL(fileURLWithPath: home).appendingPathComponent(".local/state/qalam/\(fileName)")
    }

    /// The key in the default file, created on first use.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> RelayKey {
        try loadOrCreate(at: defaultURL(environment: environment))
    }

    /// Reads the key at `url`, creating the file (and its directory) when it does
    /// not exist. Several processes may race to create it: exactly one file wins,
    /// written whole before anyone can read it.
    ///
    /// - Throws: `RelayKeyError.unsafe` when the file or its directory belongs to
    ///   someone else or others may read or replace it; `.unreadable` otherwise.
    public static func loadOrCreate(at url: URL) throws -> RelayKey {
        let directory = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw RelayKeyError.unreadable(path: directory.path, reason: error.localizedDescription)
        }
        try checkOwnership(of: directory.path, directory: true)
        if let key = try read(url) { return key }
        try create(url)
        guard let key = try read(url) else {
            throw RelayKeyError.unreadable(path: url.path, reason: "it vanished right after it was created")
        }
        return key
    }

    // MARK: Tokens and proofs

    /// A `service_role` token signed with the key, valid for `lifetime`: the holder
    /// of the key is the relay's user, who may open every document on it.
    public func token(lifetime: TimeInterval = 300) -> String {
        RelayToken.make(secret: secret, role: "service_role", lifetime: lifetime)
    }

    /// The relay's answer to `challenge` on the socket it accepted at `address`
    /// (`127.0.0.1:4000`, `[::1]:4000`; see `ChallengeAddress`): HMAC-SHA256 with
    /// the key, base64url.
    ///
    /// The address is part of what is signed because anyone may ask a relay to
    /// answer a challenge: a program that holds the port an editor dials could pass
    /// the editor's challenge on to this user's relay on another port (or on the
    /// other loopback address of the same port) and hand its answer back. That
    /// answer names the relay's own address, not the one the editor dialled.
    public func proof(for challenge: String, at address: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Self.signedBytes(challenge, address), using: SymmetricKey(data: Array(secret.utf8)))
        return JWTVerifier.base64URLEncode(Array(mac))
    }

    /// Whether `proof` answers `challenge` from a relay at `address`, the address
    /// the client dialled (in constant time).
    public func verify(proof: String, for challenge: String, at address: String) -> Bool {
        guard let mac = JWTVerifier.base64URLDecode(proof) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(
            mac, authenticating: Self.signedBytes(challenge, address), using: SymmetricKey(data: Array(secret.utf8)))
    }

    /// Label, address, a newline (which no address holds), then the challenge.
    private static func signedBytes(_ challenge: String, _ address: String) -> [UInt8] {
        Array((proofLabel + address + "\n" + challenge).utf8)
    }

    /// A fresh random challenge (32 bytes, base64url).
    public static func makeChallenge() -> String {
        var generator = SystemRandomNumberGenerator()
        return JWTVerifier.base64URLEncode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    // MARK: The file

    /// The key in `url`, or `nil` when there is no such file.
    private static func read(_ url: URL) throws -> RelayKey? {
        let fd = open(url.path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw RelayKeyError.unreadable(path: url.path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw RelayKeyError.unreadable(path: url.path, reason: String(cString: strerror(errno)))
        }
        try checkOwnership(info, path: url.path, directory: false)
        var bytes = [UInt8](repeating: 0, count: 256)
        let count = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else {
            throw RelayKeyError.unreadable(path: url.path, reason: "it is empty; delete it and Qalam makes a new one")
        }
        let secret = String(decoding: bytes[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard secret.utf8.count >= 32 else {
            throw RelayKeyError.unreadable(
                path: url.path, reason: "it holds no key of at least 32 characters; delete it and Qalam makes a new one"
            )
        }
        return RelayKey(secret: secret)
    }

    /// Writes a new key to a temporary file and links it into place, so that a
    /// reader never sees a partial key and only one of several racing creators wins.
    private static func create(_ url: URL) throws {
        var generator = SystemRandomNumberGenerator()
        let secret = JWTVerifier.base64URLEncode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let temporary = url.path + ".\(getpid()).\(UInt32.random(in: 0...UInt32.max, using: &generator))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw RelayKeyError.unreadable(path: temporary, reason: String(cString: strerror(errno)))
        }
        defer { unlink(temporary) }
        let bytes = Array((secret + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced else {
            throw RelayKeyError.unreadable(path: temporary, reason: "could not write the new key")
        }
        if link(temporary, url.path) != 0, errno != EEXIST {
            throw RelayKeyError.unreadable(path: url.path, reason: String(cString: strerror(errno)))
        }
    }

    private static func checkOwnership(of path: String, directory: Bool) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw RelayKeyError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        try checkOwnership(info, path: path, directory: directory)
    }

    /// The file must be a regular file only its owner, this user, can read; the
    /// directory must be this user's and closed to others, or someone else could
    /// swap the file.
    private static func checkOwnership(_ info: stat, path: String, directory: Bool) throws {
        let type = info.st_mode & mode_t(S_IFMT)
        guard type == mode_t(directory ? S_IFDIR : S_IFREG) else {
            throw RelayKeyError.unsafe(
                path: path, reason: directory ? "it is not a directory" : "it is not a regular file")
        }
        guard info.st_uid == getuid() else {
            throw RelayKeyError.unsafe(path: path, reason: "it belongs to another user (uid \(info.st_uid))")
        }
        let others = info.st_mode & (directory ? 0o022 : 0o077)
        guard others == 0 else {
            let mode = String(info.st_mode & 0o777, radix: 8)
            let fix = directory ? "chmod go-w" : "chmod 600"
            throw RelayKeyError.unsafe(
                path: path, reason: "others may \(directory ? "change" : "read") it (mode \(mode)); run \(fix) on it")
        }
    }
}

/// Why the relay key could not be used.
public enum RelayKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// There is no home or state directory to keep it in.
    case noPlace(String)
    /// The file or its directory could be read or replaced by someone else.
    case unsafe(path: String, reason: String)
    /// The file could not be read or written.
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .noPlace(reason):
            return "there is no place for the relay key: \(reason); set XDG_STATE_HOME or HOME"
        case let .unsafe(path, reason):
            return "refusing the relay key \(path): \(reason)"
        case let .unreadable(path, reason):
            return "cannot use the relay key \(path): \(reason)"
        }
    }
}
