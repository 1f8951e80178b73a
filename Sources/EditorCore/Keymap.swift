/// Everything the editor can be asked to do by a key. The front ends and the
/// headless driver all go through these, so a test that drives an action drives
/// exactly what the key does.
public enum EditorAction: String, CaseIterable, Sendable {
    case moveLeft, moveRight, moveUp, moveDown
    case wordLeft, wordRight, lineStart, lineEnd, pageUp, pageDown, documentStart, documentEnd
    case selectLeft, selectRight, selectUp, selectDown, selectLineStart, selectLineEnd, selectAll
    case newline, tab, deleteBackward, deleteForward
    case cut, copy, paste, undo, redo
    case find, findNext, findPrevious, replace, goToLine
    case save, quit
    case flipDirection, toggleArrowMode, togglePresence, help, cancel

    /// Whether the action changes the text (refused in read-only mode).
    public var edits: Bool {
        switch self {
        case .newline, .tab, .deleteBackward, .deleteForward, .cut, .paste, .undo, .redo, .replace: return true
        default: return false
        }
    }
}

/// One line of the key list: the chords, what they do, and the actions they run
/// (the n-th chord runs the n-th action; a single action is shared by all chords).
public struct KeyBinding: Sendable {
    public let chords: [KeyChord]
    public let actions: [EditorAction]
    /// What the line says after the keys.
    public let summary: String

    init(_ chords: [KeyChord], _ actions: [EditorAction], _ summary: String) {
        precondition(actions.count == 1 || actions.count == chords.count, "one action, or one per chord")
        self.chords = chords
        self.actions = actions
        self.summary = summary
    }

    /// The keys as the help shows them, chords with the same modifiers written
    /// once: `Ctrl-X/C/V`, `Ctrl-D / F2`, `F3 / Shift-F3`.
    public var keys: String {
        var groups: [(modifiers: KeyChord.Modifiers, names: [String])] = []
        for chord in chords {
            let name = KeyChord(chord.key).description
            if let last = groups.last, last.modifiers == chord.modifiers {
                groups[groups.count - 1].names.append(name)
            } else {
                groups.append((chord.modifiers, [name]))
            }
        }
        return groups.map { group in
            let prefix = KeyChord(.character("x"), group.modifiers).description.dropLast()
            return prefix + group.names.joined(separator: "/")
        }.joined(separator: " / ")
    }

    func action(for chord: KeyChord) -> EditorAction? {
        guard let i = chords.firstIndex(of: chord) else { return nil }
        return actions.count == 1 ? actions[0] : actions[i]
    }
}

/// The key table: the one place that says which key does what. The front end's
/// decoding, the F1 help, `qalam keys` and the README's key list all come from it.
public struct Keymap: Sendable {
    public let bindings: [KeyBinding]
    /// Lines the help adds after the keys (the mouse, the prompts).
    public let notes: [String]
    private let lookup: [KeyChord: EditorAction]

    public init(bindings: [KeyBinding], notes: [String]) {
        self.bindings = bindings
        self.notes = notes
        var lookup: [KeyChord: EditorAction] = [:]
        for binding in bindings {
            for chord in binding.chords {
                precondition(lookup[chord] == nil, "\(chord) is bound twice")
                lookup[chord] = binding.action(for: chord)
            }
        }
        self.lookup = lookup
    }

    /// The action a chord runs, or nil (a plain character is typed instead).
    public func action(for chord: KeyChord) -> EditorAction? { lookup[chord] }

    /// The first chord that runs `action`, for messages ("press F3 for the next").
    public func chord(for action: EditorAction) -> KeyChord? {
        for binding in bindings {
            for chord in binding.chords where binding.action(for: chord) == action { return chord }
        }
        return nil
    }

    /// The help screen's lines: keys padded to one column, then the notes.
    public var helpLines: [String] {
        let width = (bindings.map { $0.keys.count }.max() ?? 0) + 2
        let keys = bindings.map { $0.keys.padding(toLength: width, withPad: " ", startingAt: 0) + $0.summary }
        return keys + [""] + notes
    }

    /// The key list as a Markdown table, as the README shows it between its
    /// `keys` markers.
    public var markdown: String {
        var lines = ["| keys | what they do |", "| --- | --- |"]
        for binding in bindings {
            lines.append("| `\(binding.keys)` | \(binding.summary) |")
        }
        lines.append("")
        lines += notes.map { "- \($0)" }
        return lines.joined(separator: "\n")
    }

    /// Qalam's keys, the most used first.
    public static let standard = Keymap(
        bindings: [
            KeyBinding([.control("s")], [.save], "save now"),
            KeyBinding([.control("q")], [.quit], "quit (warns once if something is not yet saved or synced)"),
            KeyBinding(
                [.init(.left), .init(.right), .init(.up), .init(.down)],
                [.moveLeft, .moveRight, .moveUp, .moveDown], "move (visually; F5 switches to logical order)"),
            KeyBinding(
                [.init(.left, .control), .init(.right, .control)], [.wordLeft, .wordRight],
                "previous / next word"),
            KeyBinding([.init(.home), .init(.end)], [.lineStart, .lineEnd], "start / end of the line"),
            KeyBinding(
                [.init(.home, .control), .init(.end, .control)], [.documentStart, .documentEnd],
                "start / end of the document"),
            KeyBinding([.init(.pageUp), .init(.pageDown)], [.pageUp, .pageDown], "page up / down"),
            KeyBinding([.control("g")], [.goToLine], "go to line"),
            KeyBinding(
                [
                    .init(.left, .shift), .init(.right, .shift), .init(.up, .shift), .init(.down, .shift),
                    .init(.home, .shift), .init(.end, .shift)
                ],
                [.selectLeft, .selectRight, .selectUp, .selectDown, .selectLineStart, .selectLineEnd], "select"),
            KeyBinding([.control("a")], [.selectAll], "select all"),
            KeyBinding([.control("x"), .control("c"), .control("v")], [.cut, .copy, .paste], "cut / copy / paste"),
            KeyBinding([.control("z"), .control("y")], [.undo, .redo], "undo / redo your own edits"),
            KeyBinding(
                [.init(.backspace), .init(.delete)], [.deleteBackward, .deleteForward],
                "delete a whole character (with its harakat)"),
            KeyBinding([.control("f")], [.find], "find (every match is highlighted)"),
            KeyBinding(
                [.init(.function(3)), .init(.function(3), .shift)], [.findNext, .findPrevious],
                "next / previous match"),
            KeyBinding([.control("r")], [.replace], "replace (y: this one, n: skip, a: all, Esc: stop)"),
            KeyBinding(
                [.control("d"), .init(.function(2))], [.flipDirection], "paragraph direction auto / RTL / LTR"),
            KeyBinding([.init(.function(5))], [.toggleArrowMode], "arrows in visual / logical order"),
            KeyBinding([.control("p"), .init(.function(4))], [.togglePresence], "presence panel on / off"),
            KeyBinding([.init(.escape)], [.cancel], "drop the selection, close a prompt"),
            KeyBinding([.init(.function(1))], [.help], "this help"),
            KeyBinding([.init(.enter), .init(.tab)], [.newline, .tab], "new paragraph / tab")
        ],
        notes: [
            "In the find prompt: Enter or ↓ next match, ↑ previous, Esc done.",
            "Mouse: a click places the caret, the wheel scrolls.",
            "Bold, italic and underline from the web app are shown; typing inside them continues them."
        ])
}
