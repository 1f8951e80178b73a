import EditorCore
import Foundation
import TUI

/// A remote update arriving between keystrokes: a peer inserts a word near the top
/// of the document (off screen) or inside the visible rows; the editor applies it
/// with the remote origin and redraws, then the user types the next key.
struct RemoteEditScenario {
    let rounds: Int
    /// What the peer inserts each time (one 100 ms batch of its typing).
    static let word = "وَكَتَبَ زميلٌ 7 words "

    struct Result {
        var offScreen = Samples()
        var inView = Samples()
        var nextKey = Samples()
    }

    /// Returns (Yjs, plain); both subjects get the same edits in the same places.
    func run(crdt: Subject, plain: Subject, on screen: HeadlessScreen) throws -> (Result, Result) {
        var results = (Result(), Result())
        var done = 0
        while done < rounds {
            let n = min(TypingScenario.block / 2, rounds - done)
            try measure(n, from: done, subject: crdt, on: screen, result: &results.0)
            try measure(n, from: done, subject: plain, on: screen, result: &results.1)
            done += n
        }
        try TypingScenario.checkSameText(crdt, plain, scenario: "remote edits")
        return results
    }

    private func measure(
        _ n: Int, from first: Int, subject: Subject, on screen: HeadlessScreen,
        result: inout Result
    ) throws {
        let state = subject.state
        screen.draw(state)
        for i in first..<(first + n) {
            // Near the top: inside the third paragraph, far above the caret.
            let top = min(state.layout.paragraphStart(2) + 3, state.layout.utf16Count)
            let topInsert = try subject.remoteInsert(Self.word, at: state.layout.clusterStart(atOrBefore: top))
            try result.offScreen.time {
                try topInsert()
                screen.draw(state)
            }
            typeKey(i * 2, into: subject, on: screen, result: &result)

            // In view: the start of the third visible row (the view's own first row
            // is anchored after an insert at its start, which would hide the text).
            let row = state.layout.row(state.top, offsetBy: min(2, screen.textHeight - 1))
            let visible = state.layout.offset(row: row, column: 0)
            let viewInsert = try subject.remoteInsert(Self.word, at: visible)
            try result.inView.time {
                try viewInsert()
                screen.draw(state)
            }
            typeKey(i * 2 + 1, into: subject, on: screen, result: &result)
        }
    }

    private func typeKey(_ index: Int, into subject: Subject, on screen: HeadlessScreen, result: inout Result) {
        result.nextKey.time {
            subject.state.handle(TypingScenario.keys[index % TypingScenario.keys.count])
            screen.draw(subject.state)
        }
    }
}
