import Foundation

/// A problem found while getting ready, said in one line a user can act on.
///
/// These are printed as `qalam: …` without the usage text: the usage does not
/// help with a folder that cannot be created or a `DATABASE_URL` that is not one.
enum SetupError: Error, CustomStringConvertible {
    /// A flag or an environment variable holds a value Qalam cannot use.
    case setting(String)
    /// A folder Qalam keeps its files in cannot be created or written.
    case folder(what: String, path: String, reason: String, fix: String)

    var description: String {
        switch self {
        case let .setting(message):
            return message
        case let .folder(what, path, reason, fix):
            return "cannot create \(what) \(path): \(reason) — \(fix)"
        }
    }

    /// `EX_USAGE` for a value the user gave, `1` for the machine's state.
    var exitCode: Int32 {
        switch self {
        case .setting: return 64
        case .folder: return 1
        }
    }

    /// Any error as one line: libpq and Foundation put line breaks and tabs in
    /// their messages, which would break a terminal's last line or a log's record.
    static func oneLine(_ error: any Error) -> String {
        let text = "\(error)"
        return text.split(whereSeparator: { $0.isNewline }).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
            .replacingOccurrences(of: "?.", with: "?")
    }
}
