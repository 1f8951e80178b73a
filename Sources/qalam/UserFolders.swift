import Foundation
import Persistence
import RelayServer

#if canImport(Glibc)
    import Glibc
#endif

/// The folders Qalam keeps its files in: the data folder (the SQLite file) and
/// the state folder (crash journal, relay key). They are created up front so that
/// a problem is said plainly; Foundation would say "NSCocoaErrorDomain error 512".
enum UserFolders {
    /// `$XDG_DATA_HOME/qalam` (absolute values only, as XDG says), else
    /// `~/.local/share/qalam`; nil without either.
    static func dataFolder(environment: [String: String]) -> String? {
        if let home = environment["XDG_DATA_HOME"], home.hasPrefix("/") { return home + "/qalam" }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return home + "/.local/share/qalam"
    }

    /// Creates the data folder the default SQLite file lives in.
    static func prepareDataFolder(environment: [String: String]) throws {
        guard let data = dataFolder(environment: environment) else { return }
        try prepare(
            data, what: "the data folder", fix: "set XDG_DATA_HOME to a folder you can write, or pass --database-url")
    }

    /// Creates the state folders: the crash journal's and the relay key's.
    static func prepareStateFolders(environment: [String: String]) throws {
        let fix = "set XDG_STATE_HOME to a folder you can write"
        if let journal = try? Journal.defaultDirectory(environment: environment) {
            try prepare(journal.path, what: "the crash journal's folder", fix: fix)
        }
        if let key = try? RelayKey.defaultURL(environment: environment) {
            let folder = key.deletingLastPathComponent().path
            try prepare(folder, what: "the relay key's folder", fix: "set QALAM_RELAY_KEY_FILE or XDG_STATE_HOME")
        }
    }

    /// `mkdir -p` with mode 0700, or the reason it cannot be as a `SetupError`.
    static func prepare(_ path: String, what: String, fix: String) throws {
        if let reason = makeDirectory(path) {
            throw SetupError.folder(what: what, path: path, reason: reason, fix: fix)
        }
    }

    /// `mkdir -p` with mode 0700; returns why it failed, or nil.
    static func makeDirectory(_ path: String) -> String? {
        var built = ""
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            built += "/" + part
            var info = stat()
            if stat(built, &info) == 0 {
                if info.st_mode & S_IFMT != S_IFDIR { return "\(built) is a file, not a folder" }
                continue
            }
            if mkdir(built, 0o700) != 0 && errno != EEXIST {
                return String(cString: strerror(errno)).lowercased()
            }
        }
        if access(path, W_OK) != 0 { return "it is not writable (\(String(cString: strerror(errno)).lowercased()))" }
        return nil
    }
}
