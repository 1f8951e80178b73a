import Foundation
import TextLayout

/// The status bar's text, fitted to a width: the parts that matter most stay, the
/// others are dropped whole (never cut in the middle of "saved 13 s ago").
public struct StatusLine: Equatable, Sendable {
    /// Left-aligned: the document, connection, save state, or a message.
    public var left: String
    /// Right-aligned: counts, people, caret, direction.
    public var right: String
    /// The prompt being typed into, when there is one (drawn instead of `left`,
    /// the caret at its end).
    public var prompt: String?

    /// Left and right joined, for tests and the headless driver.
    public var text: String {
        [prompt ?? left, right].filter { !$0.isEmpty }.joined(separator: " │ ")
    }

    private struct Part {
        var text: String
        var onLeft: Bool
        /// Lower goes first when room runs out; `Int.max` never goes.
        var keep: Int
    }

    /// The status of `state` for a bar `width` cells wide at `now`. With
    /// `countUntil`, counting words stops at that moment (the bar then shows "…"
    /// for the count, and the next frame counts on).
    public init(
        _ state: EditorState, documentName: String, width: Int, now: Date = Date(), countUntil: Date? = nil
    ) {
        var parts: [Part] = []
        let report = state.report
        if case let .prompt(prompt) = state.mode {
            self.prompt = prompt.label + prompt.text
            // What the last Enter found (or did not) stays beside the prompt.
            if let message = state.message(at: now) { parts.append(Part(text: message, onLeft: true, keep: 90)) }
        } else if let message = state.message(at: now) {
            parts.append(Part(text: message, onLeft: true, keep: .max))
        } else {
            parts.append(Part(text: documentName, onLeft: true, keep: 32))
            var connection = report.connection.text(at: now)
            if report.unsyncedChanges > 0 { connection += " (unsynced)" }
            parts.append(Part(text: connection, onLeft: true, keep: 95))
            // What to do about a broken link matters more than anything but a message.
            if let hint = report.hint { parts.append(Part(text: hint, onLeft: true, keep: .max)) }
        }
        if state.isReadOnly { parts.append(Part(text: "read-only", onLeft: true, keep: 97)) }
        parts.append(Part(text: report.save.text(at: now), onLeft: true, keep: 80))
        if let detail = report.detail { parts.append(Part(text: detail, onLeft: true, keep: 20)) }

        let selected = state.selectionCounts
        if let counts = selected ?? (countUntil.map { state.counts(until: $0) } ?? state.counts) {
            let words = counts.words == 1 ? "1 word" : "\(counts.words) words"
            let characters = counts.characters == 1 ? "1 char" : "\(counts.characters) chars"
            parts.append(Part(text: (selected == nil ? "" : "selected: ") + words, onLeft: false, keep: 50))
            parts.append(Part(text: characters, onLeft: false, keep: 25))
        } else {
            parts.append(Part(text: "… words", onLeft: false, keep: 50))
        }
        parts.append(Part(text: "\(state.collaborators.count) online", onLeft: false, keep: 45))
        let (line, column) = state.caretLineColumn
        // Never dropped, except to make room for what to do about a broken link.
        let caretKeep = report.hint != nil && state.message(at: now) == nil ? 98 : Int.max
        parts.append(Part(text: "Ln \(line), Col \(column)", onLeft: false, keep: caretKeep))
        parts.append(Part(text: Self.directionText(state), onLeft: false, keep: 60))
        parts.append(Part(text: "F1 help", onLeft: false, keep: 10))

        let promptWidth = prompt.map { DisplayWidth.of($0) + 3 } ?? 0
        func needed(_ kept: [Part]) -> Int {
            let left = kept.filter(\.onLeft).map { DisplayWidth.of($0.text) }
            let right = kept.filter { !$0.onLeft }.map { DisplayWidth.of($0.text) }
            let joined = { (widths: [Int]) in widths.reduce(0, +) + max(0, widths.count - 1) * 3 }
            // A blank at each end and at least two cells between the halves.
            return promptWidth + joined(left) + joined(right) + 4
        }
        var kept = parts
        while needed(kept) > width,
            let drop = kept.enumerated().filter({ $0.element.keep != .max }).min(by: {
                $0.element.keep < $1.element.keep
            })
        {
            kept.remove(at: drop.offset)
        }
        left = kept.filter(\.onLeft).map(\.text).joined(separator: " │ ")
        right = kept.filter { !$0.onLeft }.map(\.text).joined(separator: " │ ")
        // What cannot be dropped and still does not fit ends in "…".
        let room = width - promptWidth - (right.isEmpty ? 0 : DisplayWidth.of(right) + 2) - 2
        left = Self.fit(left, into: room)
        if prompt != nil && !left.isEmpty { left = "— " + left }
    }

    /// `text` cut to `width` cells, ending in "…" when it had to be cut.
    static func fit(_ text: String, into width: Int) -> String {
        guard DisplayWidth.of(text) > width else { return text }
        guard width > 1 else { return "" }
        var result = ""
        var used = 0
        for character in text {
            let w = DisplayWidth.of(String(character))
            if used + w > width - 1 { break }
            result.append(character)
            used += w
        }
        return result + "…"
    }

    /// `LTR`, `RTL`; `!` when forced; `/rtl` or `/ltr` for a run against the paragraph.
    static func directionText(_ state: EditorState) -> String {
        let direction = state.caretDirection
        let override = state.layout.options.baseDirection
        return (direction.paragraphRTL ? "RTL" : "LTR") + (override == .auto ? "" : "!")
            + (direction.runRTL != direction.paragraphRTL ? "/" + (direction.runRTL ? "rtl" : "ltr") : "")
    }
}
