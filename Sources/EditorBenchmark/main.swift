import EditorCore
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

// The memory policy `qalam edit` runs under, so the figures are the editor's.
FreedMemory.returnLargeBuffersAtOnce()

do {
    let options = try Options(arguments: arguments)
    Stopwatch.clock = options.clock
    let text = MixedDocument.make(bytes: options.bytes)
    let paragraphs = MixedDocument.paragraphs(of: text)

    // The stored document was written by another client: one item per paragraph.
    let storedState = try StoredDocument.state(of: paragraphs)
    // The same text in items of about `chunk` characters, as text typed over many
    // sessions and by several people ends up fragmented.
    let chunk = 40
    let fragments = paragraphs.flatMap { StoredDocument.pieces($0, of: chunk) }
    let fragmented = try StoredDocument.state(of: fragments)

    let screen = try HeadlessScreen(rows: options.rows, columns: options.columns, documentName: "benchmark")
    print(
        "EditorBenchmark: \(text.utf8.count) UTF-8 bytes, \(text.utf16.count) UTF-16 units, "
            + "\(paragraphs.count) paragraphs; stored Yjs state \(storedState.count) bytes in \(paragraphs.count) items "
            + "(fragmented: \(fragmented.count) bytes in \(fragments.count) items); "
            + "screen \(options.rows)×\(options.columns) (text area \(screen.textHeight)×\(screen.textWidth)); "
            + "times in ms, \(options.clock == .wall ? "wall clock" : "CPU time of the editor thread")")

    var rows = try OpenScenario(text: text, storedState: storedState, label: "paragraph items", runs: options.opens)
        .run(on: screen)
    rows += try OpenScenario(text: text, storedState: fragmented, label: "\(chunk)-char items", runs: options.opens)
        .run(on: screen).prefix(2)

    // Typing into the document opened from the stored state.
    let openedDoc = Doc(clientID: 7)
    try openedDoc.applyUpdate(storedState, origin: TransactionOrigin.remote)
    let opened = YTextDocument(doc: openedDoc)
    opened.undoManager.clear()
    let fromStore = try Subject(yjs: opened, screen: screen)
    let plain = Subject(plain: PlainTextDocument(text: text), screen: screen)
    let stored = try TypingScenario.type(
        options.keystrokes, into: fromStore, and: plain, on: screen,
        scenario: "typing (stored state)")
    let plainName = "[UInt16] buffer + same layout + draw"
    rows += TypingScenario.rows(stored, name: "key → screen at end (store, paragraph items)", includeAnchors: true)

    // Remote edits between keys, on the same two editors.
    let remote = try RemoteEditScenario(rounds: options.rounds).run(crdt: fromStore, plain: plain, on: screen)
    rows.append(
        Row(
            name: "remote insert near top (off screen) + redraw", measured: remote.0.offScreen,
            baselineName: "[UInt16] buffer insert + redraw", baseline: remote.1.offScreen, isInteractive: true))
    rows.append(
        Row(
            name: "remote insert in view + redraw", measured: remote.0.inView,
            baselineName: "[UInt16] buffer insert + redraw", baseline: remote.1.inView, isInteractive: true))
    rows.append(
        Row(
            name: "next key → screen after a remote edit", measured: remote.0.nextKey,
            baselineName: plainName, baseline: remote.1.nextKey, isInteractive: true))

    // Typing into the fragmented document.
    let fragmentedDoc = Doc(clientID: 7)
    try fragmentedDoc.applyUpdate(fragmented, origin: TransactionOrigin.remote)
    let openedFragmented = YTextDocument(doc: fragmentedDoc)
    openedFragmented.undoManager.clear()
    let fromFragments = try Subject(yjs: openedFragmented, screen: screen)
    let plainFragments = Subject(plain: PlainTextDocument(text: text), screen: screen)
    let pieces = try TypingScenario.type(
        options.keystrokes, into: fromFragments, and: plainFragments, on: screen,
        scenario: "typing (fragmented)")
    rows += TypingScenario.rows(pieces, name: "key → screen at end (store, \(chunk)-char items)", includeAnchors: true)

    // The same text inserted by the client that then types (pasted in an earlier
    // moment of this session): one big item of this client's own clock.
    let own = YTextDocument(doc: Doc(clientID: 7))
    try own.replace(0..<0, with: text)
    own.undoManager.clear()
    let sameClient = try Subject(yjs: own, screen: screen)
    let plainAgain = Subject(plain: PlainTextDocument(text: text), screen: screen)
    let same = try TypingScenario.type(
        options.keystrokes, into: sameClient, and: plainAgain, on: screen,
        scenario: "typing (same client)")
    rows += TypingScenario.rows(same, name: "key → screen at end (text by same client)", includeAnchors: false)

    print(ResultTable.render(rows))
    print(
        "×: measured / baseline at that percentile. p99 < 5 ms: the keystroke goal; "
            + "\"baseline too\": the no-CRDT baseline misses it as well, so the machine is busy. "
            + "Keys typed: \(options.keystrokes) per editor; remote rounds: \(options.rounds); opens: \(options.opens)."
    )

    // The same editor with its session, on real stores (wall clock).
    var sessionRows: [Row] = []
    var saveNotes: [String] = []
    for size in options.sessionBytes {
        let sessionText = MixedDocument.make(bytes: size)
        let state = try StoredDocument.state(of: MixedDocument.paragraphs(of: sessionText))
        for kind in options.stores {
            let rig = try await SessionRig.make(kind)
            do {
                let scenarios = SessionScenarios(
                    rig: rig, text: sessionText, storedState: state, screen: screen,
                    opens: max(3, options.opens / (size >= 5_000_000 ? 2 : 1)), keystrokes: options.keystrokes)
                sessionRows += try await scenarios.open()
                sessionRows += try await scenarios.typing(autosave: false).rows
                let (rows, saved) = try await scenarios.typing(autosave: true)
                sessionRows += rows
                let average = saved.isEmpty ? 0 : saved.map(\.bytes).reduce(0, +) / saved.count
                let merges = saved.map { String(format: "%.1f", $0.mergeCPUMs) }.joined(separator: ", ")
                saveNotes.append(
                    "\(kind.rawValue), \(sessionText.utf8.count) UTF-8 bytes (stored state \(state.count) bytes): "
                        + "\(saved.count) saves while typing, \(average) bytes written per save, "
                        + "merge CPU per save (integrate and check, on the store's thread): \(merges) ms")
            } catch {
                await rig.shutdown()
                throw error
            }
            await rig.shutdown()
        }
    }
    if !sessionRows.isEmpty {
        print("")
        print(
            "Through the session (EditingSession on an embedded relay; store read, journal, send queue, autosave), "
                + "wall clock. Keys: one due every 15 ms, typed on an editor thread of its own that counts words "
                + "between keys as qalam edit does; each time runs from the key being due to its frame written "
                + "(doupdate returned), the terminal's pty left out:")
        print(ResultTable.render(sessionRows))
        for note in saveNotes { print("saves: \(note)") }
    }
} catch {
    FileHandle.standardError.write(Data("EditorBenchmark: \(error)\n".utf8))
    exit(1)
}
