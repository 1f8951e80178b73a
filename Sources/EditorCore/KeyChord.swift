/// A key as the writer presses it, before it means anything: the front end turns
/// terminal input into chords, the `Keymap` turns chords into actions.
public struct KeyChord: Hashable, Sendable, CustomStringConvertible {
    /// The key itself.
    public enum Key: Hashable, Sendable {
        /// A printable character, or with `.control` the letter of a control key.
        case character(Character)
        case up, down, left, right, home, end, pageUp, pageDown
        case enter, tab, backspace, delete, escape
        /// F1…F12.
        case function(Int)
    }

    /// Keys held with it.
    public struct Modifiers: OptionSet, Hashable, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let shift = Modifiers(rawValue: 1)
        public static let control = Modifiers(rawValue: 2)
    }

    public var key: Key
    public var modifiers: Modifiers

    public init(_ key: Key, _ modifiers: Modifiers = []) {
        self.key = key
        self.modifiers = modifiers
    }

    /// Ctrl and a letter (given in lower case).
    public static func control(_ letter: Character) -> KeyChord { KeyChord(.character(letter), .control) }

    /// The name the help, the README and the headless `key` command use: `Ctrl-F`,
    /// `Shift-F3`, `Ctrl-←`, `Enter`.
    public var description: String {
        var name = ""
        if modifiers.contains(.control) { name += "Ctrl-" }
        if modifiers.contains(.shift) { name += "Shift-" }
        return name + Self.name(of: key)
    }

    private static let names: [(Key, String)] = [
        (.up, "↑"), (.down, "↓"), (.left, "←"), (.right, "→"), (.home, "Home"), (.end, "End"),
        (.pageUp, "PgUp"), (.pageDown, "PgDn"), (.enter, "Enter"), (.tab, "Tab"),
        (.backspace, "Backspace"), (.delete, "Del"), (.escape, "Esc")
    ]

    private static func name(of key: Key) -> String {
        switch key {
        case let .character(c): return String(c).uppercased()
        case let .function(n): return "F\(n)"
        default: return names.first { $0.0 == key }?.1 ?? "?"
        }
    }

    /// Parses a name as `description` writes it (case-insensitive; `Left`, `Right`,
    /// `Up`, `Down` and `+` between parts are accepted too), or nil.
    public init?(name: String) {
        var rest = Substring(name)
        var modifiers: Modifiers = []
        while true {
            let lower = rest.lowercased()
            if lower.hasPrefix("ctrl-") || lower.hasPrefix("ctrl+") {
                modifiers.insert(.control)
                rest = rest.dropFirst(5)
            } else if lower.hasPrefix("shift-") || lower.hasPrefix("shift+") {
                modifiers.insert(.shift)
                rest = rest.dropFirst(6)
            } else {
                break
            }
        }
        let word = rest.lowercased()
        let aliases: [String: Key] = ["left": .left, "right": .right, "up": .up, "down": .down]
        if let key = aliases[word] ?? Self.names.first(where: { $0.1.lowercased() == word })?.0 {
            self.init(key, modifiers)
        } else if word.count >= 2, word.first == "f", let n = Int(word.dropFirst()), (1...12).contains(n) {
            self.init(.function(n), modifiers)
        } else if rest.count == 1, let c = rest.first {
            self.init(.character(modifiers.contains(.control) ? Character(c.lowercased()) : c), modifiers)
        } else {
            return nil
        }
    }
}

/// What reaches the editor from the front end.
public enum EditorInput: Equatable, Sendable {
    /// A key press: a chord the keymap looks up, or a character to type.
    case key(KeyChord)
    /// Text typed or pasted as one bracketed paste: inserted as one edit.
    case paste(String)
    /// A mouse click at a cell of the text area (0-based).
    case click(row: Int, column: Int)
    /// The mouse wheel: rows to scroll (negative: up).
    case scroll(rows: Int)

    /// A plain character key.
    public static func character(_ c: Character) -> EditorInput { .key(KeyChord(.character(c))) }
}
