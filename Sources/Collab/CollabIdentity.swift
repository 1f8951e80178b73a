import Foundation

/// Who is editing: what other editors see in the presence panel and next to the cursor.
public struct CollabIdentity: Sendable, Equatable {
    /// Stable per person (a Supabase user id, or a name-derived id for local use).
    public var userID: String
    /// The name shown to others.
    public var name: String
    /// `#rrggbb`; derived from `userID` when not chosen, so it is the same every session.
    public var color: String

    public init(userID: String, name: String, color: String? = nil) {
        self.userID = userID
        self.name = name
        self.color = color.flatMap(UserColor.normalized) ?? UserColor.color(for: userID)
    }

    /// The local user: `name` (default: `$USER`), with an id derived from that name
    /// and this machine, so the same writer keeps one id and one color.
    public static func local(name: String? = nil, color: String? = nil) -> CollabIdentity {
        let env = ProcessInfo.processInfo.environment
        let user = name ?? env["USER"] ?? env["LOGNAME"] ?? "writer"
        let host = ProcessInfo.processInfo.hostName
        return CollabIdentity(userID: "\(user)@\(host)", name: user, color: color)
    }
}

/// Stable user colors: the same id gets the same color on every machine and run.
public enum UserColor {
    /// A palette readable on dark and light terminals.
    public static let palette = [
        "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4",
        "#f032e6", "#469990", "#9a6324", "#800000", "#808000", "#000075"
    ]

    /// The palette color for `id` (FNV-1a, not Swift's per-process seeded hash).
    public static func color(for id: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return palette[Int(hash % UInt64(palette.count))]
    }

    /// `#rrggbb` in lowercase when `text` is such a color (with or without `#`), else `nil`.
    public static func normalized(_ text: String) -> String? {
        let hex = text.hasPrefix("#") ? String(text.dropFirst()) : text
        guard hex.count == 6, hex.allSatisfy(\.isHexDigit) else { return nil }
        return "#" + hex.lowercased()
    }
}
