import EditorCore
import Foundation
import TUI
import YCRDT

/// Opening a stored document: decoding the Yjs state and showing the first screen,
/// beside the floor without a CRDT (the same text read from UTF-8 and split into
/// paragraphs) and the first screen's layout alone.
struct OpenScenario {
    let text: String
    let storedState: [UInt8]
    /// How the stored state is cut into items, for the row names.
    let label: String
    let runs: Int

    func run(on screen: HeadlessScreen) throws -> [Row] {
        let utf8 = Array(text.utf8)
        var decode = Samples()
        var floorDecode = Samples()
        var open = Samples()
        var floorOpen = Samples()
        var firstScreen = Samples()
        for _ in 0..<runs {
            // The CRDT path, as CollabBackend opens a document.
            let start = Stopwatch.now()
            // The state goes into the Doc before the editor's document wraps it, so
            // no delta is computed for the whole text.
            let doc = Doc(clientID: 7)
            try doc.applyUpdate(storedState, origin: TransactionOrigin.remote)
            decode.append(millisecondsSince(start))
            let document = YTextDocument(doc: doc)
            document.undoManager.clear()
            let state = screen.makeState(document: document)
            screen.draw(state)
            open.append(millisecondsSince(start))

            // The floor: no CRDT, the same bytes to the same first screen.
            // Split as DocumentLayout splits: on the newline byte, one String each.
            floorDecode.time {
                let string = String(decoding: utf8, as: UTF8.self)
                return string.utf8.split(separator: 0x0A, omittingEmptySubsequences: false)
                    .map { String(Substring($0)) }.count
            }
            floorOpen.time {
                let plain = PlainTextDocument(text: String(decoding: utf8, as: UTF8.self))
                screen.draw(screen.makeState(document: plain))
            }

            // The first screen alone: the text is loaded, the layout cache is cold.
            state.resize(width: screen.textWidth - 1, height: screen.textHeight)
            firstScreen.time {
                state.resize(width: screen.textWidth, height: screen.textHeight)
                screen.draw(state)
            }
        }
        return [
            Row(
                name: "open (\(label)): decode (applyUpdate)", measured: decode,
                baselineName: "UTF-8 → String + split paragraphs", baseline: floorDecode, isInteractive: false),
            Row(
                name: "open (\(label)): → first screen", measured: open,
                baselineName: "no CRDT: UTF-8 → String → first screen", baseline: floorOpen, isInteractive: false),
            Row(
                name: "open (\(label)): → first screen", measured: open,
                baselineName: "first screen alone: layout + draw (cold)", baseline: firstScreen, isInteractive: false)
        ]
    }
}
