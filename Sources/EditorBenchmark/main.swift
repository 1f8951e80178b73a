import Foundation
import TUI
import YCRDT

// The editor's latency on a large mixed Arabic/English document: opening it, typing
// at its end, and remote edits arriving between keys. Every figure stands beside a
// baseline measured in the same run: the same editor, layout and curses frame on a
// plain [UInt16] buffer, so the ratio is the CRDT's share.

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("--help") || arguments.contains("-h") {
    print(Options.usage)
    exit(0)
}

do {
    let options = try Options(arguments: arguments)
    Stopwatch.clock = options.clock
    let text = MixedDocument.make(bytes: options.bytes)
    let paragraphs = MixedDocument.paragraphs(of: text)

    // The stored document was written by another client, paragraph by paragraph in
    // no particular order, so the state holds one item per paragraph (inserting
    // them last-first at 0 keeps Yjs from merging neighbours).
    let author = Doc(clientID: 1)
    let authorText = author.getText("content")
    for paragraph in paragraphs.reversed() { authorText.insert(paragraph, at: 0) }
    let storedState = try author.encodeStateAsUpdate()

    let screen = try HeadlessScreen(rows: options.rows, columns: options.columns, documentName: "benchmark")
    print("EditorBenchmark: \(text.utf8.count) UTF-8 bytes, \(text.utf16.count) UTF-16 units, "
          + "\(paragraphs.count) paragraphs; stored Yjs state \(storedState.count) bytes; "
          + "screen \(options.rows)×\(options.columns) (text area \(screen.textHeight)×\(screen.textWidth)); "
          + "times in ms, \(options.clock == .wall ? "wall clock" : "CPU time of the editor thread")")

    var rows = try OpenScenario(text: text, storedState: storedState, runs: options.opens).run(on: screen)

    // Typing into the document opened from the stored state.
    let opened = YTextDocument(doc: Doc(clientID: 7))
    try opened.applyRemoteUpdate(storedState)
    opened.undoManager.clear()
    let fromStore = try Subject(yjs: opened, screen: screen)
    let plain = Subject(plain: PlainTextDocument(text: text), screen: screen)
    let stored = try TypingScenario.type(options.keystrokes, into: fromStore, and: plain, on: screen,
                                         scenario: "typing (stored state)")
    let plainName = "[UInt16] buffer + same layout + draw"
    rows.append(Row(name: "key → screen at end (opened from store)", measured: stored.0.total,
                    baselineName: plainName, baseline: stored.1.total, isInteractive: true))
    rows.append(Row(name: "  of which key + edit, no draw", measured: stored.0.edit,
                    baselineName: "[UInt16] buffer key + edit", baseline: stored.1.edit, isInteractive: true))

    // Remote edits between keys, on the same two editors.
    let remote = try RemoteEditScenario(rounds: options.rounds).run(crdt: fromStore, plain: plain, on: screen)
    rows.append(Row(name: "remote insert near top (off screen) + redraw", measured: remote.0.offScreen,
                    baselineName: "[UInt16] buffer insert + redraw", baseline: remote.1.offScreen, isInteractive: true))
    rows.append(Row(name: "remote insert in view + redraw", measured: remote.0.inView,
                    baselineName: "[UInt16] buffer insert + redraw", baseline: remote.1.inView, isInteractive: true))
    rows.append(Row(name: "next key → screen after a remote edit", measured: remote.0.nextKey,
                    baselineName: plainName, baseline: remote.1.nextKey, isInteractive: true))

    // The same text inserted by the client that then types (pasted in an earlier
    // moment of this session): one big item of this client's own clock.
    let own = YTextDocument(doc: Doc(clientID: 7))
    try own.replace(0..<0, with: text)
    own.undoManager.clear()
    let sameClient = try Subject(yjs: own, screen: screen)
    let plainAgain = Subject(plain: PlainTextDocument(text: text), screen: screen)
    let same = try TypingScenario.type(options.keystrokes, into: sameClient, and: plainAgain, on: screen,
                                       scenario: "typing (same client)")
    rows.append(Row(name: "key → screen at end (text by same client)", measured: same.0.total,
                    baselineName: plainName, baseline: same.1.total, isInteractive: true))
    rows.append(Row(name: "  of which key + edit, no draw", measured: same.0.edit,
                    baselineName: "[UInt16] buffer key + edit", baseline: same.1.edit, isInteractive: true))

    print(ResultTable.render(rows))
    print("×: measured / baseline at that percentile. \"< 5 ms\": the goal, judged on p99. "
          + "Keys typed: \(options.keystrokes) per editor; remote rounds: \(options.rounds); opens: \(options.opens).")
} catch {
    FileHandle.standardError.write(Data("EditorBenchmark: \(error)\n".utf8))
    exit(1)
}
