import Collab
import DocumentStorage
import EditorCore
import Foundation
import TUI
import YCRDT

/// The editor with its session, as `qalam edit` runs it: opening a stored document
/// to the first screen, and typing through the real update handler (journal, send
/// queue, autosave), each beside a no-CRDT, no-store baseline measured in the same
/// run. Wall clock throughout: the session's work runs on other threads.
struct SessionScenarios {
    let rig: SessionRig
    let text: String
    let storedState: [UInt8]
    let screen: HeadlessScreen
    let opens: Int
    let keystrokes: Int
    /// Keys at a typist's pace on an editor thread of their own, as `qalam edit` has.
    let pacing = PacedTyping()

    private var label: String {
        "\(rig.kind.rawValue), \(String(format: "%.0f", Double(text.utf8.count) / 1_000_000)) MB"
    }

    /// Opening: from nothing to the first screen (store read, merge with the journal,
    /// the provider's replica, the editor's document, layout and draw), beside the
    /// same text read from a plain UTF-8 file to its first screen.
    func open() async throws -> [Row] {
        let document = DocumentID(name: "open-\(UUID().uuidString)")
        try await rig.seed(document, state: storedState)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("qalam-open-\(UUID().uuidString).txt")
        try Data(text.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        var open = Samples()
        var floor = Samples()
        for _ in 0..<opens {
            let start = DispatchTime.now().uptimeNanoseconds
            let doc = Doc()
            let session = try await EditingSession.open(
                rig.configuration(for: document, saveDelay: .seconds(600)), store: rig.store,
                editorClientID: doc.clientID)
            // As CollabBackend: the loaded updates go into the Doc before the editor's
            // document wraps it, so no delta is computed for the whole text.
            for update in session.takeInitialUpdates() { try doc.applyUpdate(update, origin: TransactionOrigin.remote) }
            let editorDocument = YTextDocument(doc: doc)
            editorDocument.undoManager.clear()
            screen.draw(screen.makeState(document: editorDocument))
            open.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            try await session.close()

            let floorStart = DispatchTime.now().uptimeNanoseconds
            let plain = PlainTextDocument(text: String(decoding: try Data(contentsOf: file), as: UTF8.self))
            screen.draw(screen.makeState(document: plain))
            floor.append(Double(DispatchTime.now().uptimeNanoseconds - floorStart) / 1e6)
        }
        return [
            Row(
                name: "open (\(label)): session + store + editor → first screen", measured: open,
                baselineName: "UTF-8 file → plain buffer → first screen", baseline: floor, isInteractive: false)
        ]
    }

    /// Typing at the end through the session, a key every 15 ms (`PacedTyping`):
    /// each key's update goes through the editor's update handler to
    /// `EditingSession.submit` (crash journal, then the send queue), beside the
    /// same keys on a plain buffer typed the same way. With `autosave` the
    /// session saves about every second while the keys go on; without, it saves
    /// nothing during the run. Returns the rows and the bytes each save wrote.
    func typing(autosave: Bool) async throws -> (rows: [Row], saves: [SaveRecord]) {
        let document = DocumentID(name: "typing-\(UUID().uuidString)")
        try await rig.seed(document, state: storedState)
        let doc = Doc()
        let session = try await EditingSession.open(
            rig.configuration(for: document, saveDelay: autosave ? .seconds(1) : .seconds(600)), store: rig.store,
            editorClientID: doc.clientID)
        for update in session.takeInitialUpdates() { try doc.applyUpdate(update, origin: TransactionOrigin.remote) }
        let editorDocument = YTextDocument(doc: doc)
        editorDocument.undoManager.clear()
        // What CollabBackend installs: every local update goes to the session.
        _ = doc.onUpdate { update, origin in
            if !YTextDocument.isRemote(origin) { session.submit(update) }
        }
        let crdt = screen.makeState(document: editorDocument)
        let plain = screen.makeState(document: PlainTextDocument(text: text))
        for state in [crdt, plain] {
            state.perform(.selectAll)
            state.perform(.cancel)
        }
        rig.store.resetSaves()

        var measured = Samples()
        var baseline = Samples()
        var typed = 0
        while typed < keystrokes {
            let n = min(TypingScenario.block, keystrokes - typed)
            measured.append(contentsOf: await pacing.type(n, from: typed, into: crdt, on: screen))
            baseline.append(contentsOf: await pacing.type(n, from: typed, into: plain, on: screen))
            typed += n
        }
        guard crdt.document.text == plain.document.text else {
            throw BenchmarkError.diverged(
                scenario: "typing through the session", crdtLength: crdt.document.utf16Count,
                plainLength: plain.document.utf16Count)
        }
        let saved = rig.store.savedRecords
        try await session.close()
        let name =
            autosave
            ? "key due → frame written (\(label)), session, autosaving (\(saved.count) saves)"
            : "key due → frame written (\(label)), session + journal, no save"
        return (
            [
                Row(
                    name: name, measured: measured, baselineName: "[UInt16] buffer, same thread, layout + draw",
                    baseline: baseline, isInteractive: true)
            ], saved
        )
    }
}
