import Collab
import EditorCore
import Foundation
import Realtime
import RealtimeProtocol
import TextLayout

/// `qalam edit NAME --headless`: the editor without a screen, driven by JSON lines
/// on stdin and reporting JSON lines on stdout (see `HeadlessCommand` for the
/// input; events are objects with an `"event"` name). Tests and scripts use it to
/// run real editors in real processes.
///
/// It runs the same editor core as the screen, on the same `CollabBackend`: every
/// edit goes through the core's commands (placing the caret, typing, keys), so a
/// test driving it exercises the real editor, down to read-only mode and the
/// status bar's words.
actor HeadlessEditor {
    private let controller: EditorController
    private let backend: CollabBackend
    private let output: JSONLineWriter
    private let events: AsyncStream<EditorEvent>
    private var quitting = false

    private var state: EditorState { controller.state }
    private var session: EditingSession { backend.session }

    /// Width and height of the imagined text area (arrows and pages need one).
    static let width = 80
    static let height = 24

    init(backend: CollabBackend, output: JSONLineWriter, readOnly: String?) {
        self.backend = backend
        self.output = output
        controller = EditorController(
            backend: backend, options: LayoutOptions(width: Self.width), height: Self.height, readOnly: readOnly)
        let (events, continuation) = AsyncStream.makeStream(of: EditorEvent.self, bufferingPolicy: .unbounded)
        self.events = events
        let printed = LastValue<SessionStatus>()
        backend.onSessionStatus = { [output] status in
            // Only changes: a status repeated for the status bar's sake is not news here.
            if printed.replace(status) { Self.printStatus(status, to: output) }
        }
        controller.start(post: { event in continuation.yield(event) })
    }

    /// Announces readiness, then serves commands until `quit` or the end of input.
    func run(commands: AsyncStream<String>, extra ready: [String: JSONValue]) async {
        var readyEvent: [String: JSONValue] = [
            "event": "ready",
            "document": .string(session.document.description),
            "client_id": .integer(Int64(backend.ydocument.doc.clientID)),
            "text": .string(state.document.text),
            "read_only": .bool(state.isReadOnly),
            "offline": .bool(session.openedOffline)
        ]
        if let recovery = session.recovery {
            readyEvent["recovery"] = .string(recovery.description)
            readyEvent["recovered"] = .integer(Int64(recovery.recovered))
            readyEvent["damaged"] = .integer(Int64(recovery.damaged))
            readyEvent["kept"] = .array(recovery.keptFiles.map { .string($0) })
        }
        readyEvent.merge(ready) { a, _ in a }
        output.write(.object(readyEvent))
        let events = self.events
        let listener = Task { [weak self] in
            for await event in events {
                await self?.apply(event)
            }
        }
        for await line in commands {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            if await handle(trimmed) == .quit { break }
        }
        await quit(id: nil)
        listener.cancel()
    }

    private enum Outcome { case `continue`, quit }

    private func handle(_ line: String) async -> Outcome {
        let parsed: (command: HeadlessCommand, id: JSONValue?)
        do {
            parsed = try HeadlessCommand.parse(line)
        } catch {
            output.write(["event": "error", "message": .string("\(error)")])
            return .continue
        }
        let id = parsed.id
        do {
            switch parsed.command {
            case let .insert(index, string):
                guard index >= 0, index <= state.layout.utf16Count else {
                    throw HeadlessError.outOfRange(
                        "insert at \(index) in a text of \(state.layout.utf16Count) UTF-16 units")
                }
                try state.replace(index..<index, with: string)
                reply(id, ["event": "ok"])
            case let .delete(index, length):
                guard index >= 0, length >= 0, index + length <= state.layout.utf16Count else {
                    throw HeadlessError.outOfRange(
                        "delete \(length) at \(index) in a text of \(state.layout.utf16Count) UTF-16 units")
                }
                try state.replace(index..<(index + length), with: "")
                reply(id, ["event": "ok"])
            case let .cursor(index):
                guard index >= 0, index <= state.layout.utf16Count else {
                    throw HeadlessError.outOfRange(
                        "cursor at \(index) in a text of \(state.layout.utf16Count) UTF-16 units")
                }
                state.placeCaret(at: index)
                reply(id, ["event": "ok"])
            case let .select(index, length):
                guard index >= 0, length >= 0, index + length <= state.layout.utf16Count else {
                    throw HeadlessError.outOfRange(
                        "select \(length) at \(index) in a text of \(state.layout.utf16Count) UTF-16 units")
                }
                state.select(index..<(index + length))
                reply(id, ["event": "ok"])
            case let .type(text):
                for character in text { controller.handle(.character(character)) }
                reply(id, stateEvent())
            case let .paste(text):
                controller.handle(.paste(text))
                reply(id, stateEvent())
            case let .key(chord):
                if !controller.handle(.key(chord)) {
                    await quit(id: id)
                    return .quit
                }
                reply(id, stateEvent())
            case .state:
                reply(id, stateEvent())
            case .get:
                reply(id, ["event": "text", "text": .string(state.document.text)])
            case let .waitSynced(timeout):
                let ok = await session.waitUntilSynced(timeout: .seconds(timeout))
                reply(id, ["event": "synced", "ok": .bool(ok), "text": .string(state.document.text)])
            case let .waitText(expected, timeout):
                let deadline = ContinuousClock.now + .seconds(timeout)
                while state.document.text != expected, ContinuousClock.now < deadline {
                    // Remote updates are applied by `apply`, which runs between these sleeps.
                    try? await Task.sleep(for: .milliseconds(20))
                }
                let current = state.document.text
                reply(id, ["event": "text", "text": .string(current), "ok": .bool(current == expected)])
            case .save:
                try await session.saveNow()
                reply(id, ["event": "saved", "ok": true])
            case .status:
                reply(id, Self.statusEvent(await session.currentStatus))
            case .stats:
                let stats = await session.provider.currentStatistics
                reply(
                    id,
                    [
                        "event": "stats",
                        "sent": .object(stats.sent.mapValues { .integer(Int64($0)) }),
                        "received": .object(stats.received.mapValues { .integer(Int64($0)) }),
                        "update_bytes_sent": .integer(Int64(stats.updateBytesSent)),
                        "answers_sent": .integer(Int64(stats.answersSent)),
                        "answers_skipped": .integer(Int64(stats.answersSkipped)),
                        "rejected": .integer(Int64(stats.rejected))
                    ])
            case .offline:
                // As if the network went away: the client stops reconnecting until `online`.
                await session.provider.client.disconnect()
                reply(id, ["event": "ok"])
            case .online:
                await session.provider.client.connect()
                reply(id, ["event": "ok"])
            case .quit:
                await quit(id: id)
                return .quit
            }
        } catch {
            reply(id, ["event": "error", "message": .string("\(error)")])
        }
        return .continue
    }

    /// Flushes, saves, leaves the channel. Safe to call more than once.
    func quit(id: JSONValue?) async {
        guard !quitting else { return }
        quitting = true
        do {
            try await session.close()
            reply(id, ["event": "closed", "ok": true])
        } catch {
            reply(id, ["event": "closed", "ok": false, "message": .string("\(error)")])
        }
    }

    // MARK: - Backend events

    private func apply(_ event: EditorEvent) {
        controller.apply(event)
        switch event {
        case .remoteUpdate:
            output.write(["event": "text", "text": .string(state.document.text), "remote": true])
        case let .collaborators(people):
            output.write([
                "event": "presence",
                "count": .integer(Int64(people.count)),
                "users": .array(people.map { .string($0.name) }),
                "self": .array(people.filter(\.isSelf).map { .string($0.name) })
            ])
        case let .remoteCarets(carets):
            output.write([
                "event": "cursors",
                "cursors": .array(
                    carets.map { caret in
                        let index = state.document.resolve(caret.head).map { JSONValue.integer(Int64($0)) } ?? .null
                        let anchor = state.document.resolve(caret.anchor).map { JSONValue.integer(Int64($0)) } ?? .null
                        return [
                            "client_id": .integer(Int64(caret.clientID)), "name": .string(caret.name),
                            "index": index, "anchor": anchor
                        ]
                    })
            ])
        case let .readOnly(reason):
            output.write(["event": "read_only", "reason": .string(reason)])
        case .status, .notice:
            break
        }
    }

    /// What the editor shows now, as a test wants to check it.
    private func stateEvent() -> JSONValue {
        let status = StatusLine(state, documentName: backend.documentName, width: 200)
        let counts = state.counts
        var event: [String: JSONValue] = [
            "event": "state",
            "text": .string(state.document.text),
            "caret": .integer(Int64(state.caret)),
            "line": .integer(Int64(state.caretLineColumn.line)),
            "column": .integer(Int64(state.caretLineColumn.column)),
            "status": .string(status.text),
            "words": .integer(Int64(counts.words)),
            "characters": .integer(Int64(counts.characters)),
            "matches": .integer(Int64(state.highlightsMatches ? state.allMatches().count : 0)),
            "read_only": .bool(state.isReadOnly)
        ]
        if let selection = state.selection {
            event["selection"] = [.integer(Int64(selection.lowerBound)), .integer(Int64(selection.upperBound))]
        }
        if let message = state.message { event["message"] = .string(message) }
        switch state.mode {
        case .editing: event["mode"] = "editing"
        case .help: event["mode"] = "help"
        case let .prompt(prompt): event["mode"] = .string("prompt: " + prompt.label + prompt.text)
        case .confirmingReplace: event["mode"] = "replace"
        }
        return .object(event)
    }

    private nonisolated static func printStatus(_ status: SessionStatus, to output: JSONLineWriter) {
        output.write(statusEvent(status))
    }

    private static func statusEvent(_ status: SessionStatus) -> JSONValue {
        var event: [String: JSONValue] = [
            "event": "status",
            "connection": .string(status.network.connection.description),
            "unsent": .integer(Int64(status.network.unsentUpdates)),
            "synced": .bool(status.network.isSynced),
            "save": .string(status.saveText()),
            "save_phase": .string(status.save.phaseName)
        ]
        if case let .unsaved(_, recovered) = status.save.phase, recovered > 0 {
            event["recovered"] = .integer(Int64(recovered))
        }
        if let problem = status.save.journalText { event["journal"] = .string(problem) }
        if let notice = status.save.notice { event["notice"] = .string(notice) }
        if let warning = status.network.warning { event["warning"] = .string(warning) }
        return .object(event)
    }

    private func reply(_ id: JSONValue?, _ body: JSONValue) {
        guard var object = body.objectValue else { return }
        if let id { object["id"] = id }
        output.write(.object(object))
    }
}

/// The last value seen, behind a lock: whether a new one differs from it.
final class LastValue<Value: Equatable & Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value?

    /// Stores `new`; returns whether it differs from the one before.
    func replace(_ new: Value) -> Bool {
        lock.withLock {
            defer { value = new }
            return value != new
        }
    }
}

/// Writes one JSON value per line to stdout, whole lines only, flushed at once
/// (the test driving the process reads line by line).
final class JSONLineWriter: @unchecked Sendable {
    private let lock = NSLock()
    private let handle: FileHandle
    private var closed = false
    private var onClosed: (@Sendable () -> Void)?

    init(handle: FileHandle = .standardOutput) {
        self.handle = handle
    }

    /// Called once, when a write fails because nobody reads the output any more
    /// (the driving program closed its end): the editor then saves and leaves,
    /// as at the end of its input. Later lines are dropped.
    func whenClosed(_ action: @escaping @Sendable () -> Void) {
        let closedAlready = lock.withLock {
            onClosed = action
            return closed
        }
        if closedAlready { action() }
    }

    func write(_ value: JSONValue) {
        let line = value.jsonBytes + [0x0A]
        let action: (@Sendable () -> Void)? = lock.withLock {
            guard !closed else { return nil }
            do {
                try handle.write(contentsOf: line)
                return nil
            } catch {
                closed = true
                return onClosed
            }
        }
        action?()
    }
}

/// Lines of stdin as an async stream, read on a thread of their own so a blocking
/// read never holds up the cooperative pool. The stream ends at end of input.
enum StandardInputLines {
    static func stream() -> AsyncStream<String> {
        AsyncStream { continuation in
            let thread = Thread {
                while let line = readLine(strippingNewline: true) {
                    continuation.yield(line)
                }
                continuation.finish()
            }
            thread.start()
        }
    }
}
