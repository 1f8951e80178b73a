import EditorCore
import Foundation
import TUI

/// Keystroke-to-screen time: keys typed at the end of the document into the Yjs
/// editor and into the plain baseline, in alternating blocks so that both see the
/// same machine load; the texts must agree at the end.
struct TypingScenario {
    /// What is typed: Arabic with harakat, English, digits, punctuation; a newline
    /// now and then, as in prose.
    static let keys: [EditorInput] = {
        let line = "كَتَبَ الطالبُ ٣ صفحات، then typed 42 words; "
        var keys = Array(line).map(EditorInput.character)
        keys.append(.key(KeyChord(.enter)))
        return keys
    }()

    /// Keys measured per block before switching editors.
    static let block = 50

    struct Result {
        var total = Samples()
        var edit = Samples()
        /// Making the two anchors the editor makes per key (caret and top of view),
        /// timed apart after the key, to attribute the edit's cost.
        var anchors = Samples()
    }

    /// Types `count` keys into each subject; returns (Yjs, plain).
    static func type(
        _ count: Int, into crdt: Subject, and plain: Subject,
        on screen: HeadlessScreen, scenario: String
    ) throws -> (Result, Result) {
        for subject in [crdt, plain] {
            subject.state.perform(.selectAll)
            subject.state.perform(.cancel)
        }
        var results = (Result(), Result())
        var typed = 0
        while typed < count {
            let n = min(block, count - typed)
            measure(n, from: typed, into: crdt, on: screen, result: &results.0)
            measure(n, from: typed, into: plain, on: screen, result: &results.1)
            typed += n
        }
        try checkSameText(crdt, plain, scenario: scenario)
        return results
    }

    /// One block; the first frame after switching editors redraws everything and is
    /// not measured (a real editor never switches documents between keys).
    private static func measure(
        _ n: Int, from first: Int, into subject: Subject, on screen: HeadlessScreen,
        result: inout Result
    ) {
        screen.draw(subject.state)
        for i in first..<(first + n) {
            let start = Stopwatch.now()
            subject.state.handle(keys[i % keys.count])
            result.edit.append(millisecondsSince(start))
            screen.draw(subject.state)
            result.total.append(millisecondsSince(start))
            let caret = subject.state.caret
            result.anchors.time {
                (subject.document.anchor(at: caret, bias: .before), subject.document.anchor(at: caret, bias: .before))
            }
        }
    }

    static func checkSameText(_ crdt: Subject, _ plain: Subject, scenario: String) throws {
        guard crdt.document.utf16Count == plain.document.utf16Count, crdt.document.text == plain.document.text else {
            throw BenchmarkError.diverged(
                scenario: scenario, crdtLength: crdt.document.utf16Count,
                plainLength: plain.document.utf16Count)
        }
    }
}

extension TypingScenario {
    /// The table rows of one typing run beside its plain-buffer baseline: the
    /// whole key-to-screen time, the edit alone and, when asked, the anchors.
    static func rows(_ result: (Result, Result), name: String, includeAnchors: Bool) -> [Row] {
        var rows = [
            Row(
                name: name, measured: result.0.total,
                baselineName: "[UInt16] buffer + same layout + draw", baseline: result.1.total, isInteractive: true),
            Row(
                name: "  of which key + edit, no draw", measured: result.0.edit,
                baselineName: "[UInt16] buffer key + edit", baseline: result.1.edit, isInteractive: true)
        ]
        if includeAnchors {
            rows.append(
                Row(
                    name: "  two anchors at the caret (per key)", measured: result.0.anchors,
                    baselineName: "[UInt16] buffer anchors", baseline: result.1.anchors, isInteractive: false))
        }
        return rows
    }
}
