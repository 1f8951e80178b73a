import Collab
import Foundation
import Realtime
import RealtimeProtocol
import YCRDT

/// `qalam edit NAME --headless`: the editor without a screen, driven by JSON lines
/// on stdin and reporting JSON lines on stdout (see `HeadlessCommand` for the
/// input; events are objects with an `"event"` name). Tests and scripts use it to
/// run real editors in real processes.
///
/// It owns the editor-side `Doc`, exactly as the full-screen editor does: local
/// edits go to the session as update bytes, remote updates come back as events.
actor HeadlessEditor {
    private let doc: Doc
    private let text: YText
    private let session: EditingSession
    private let output: JSONLineWriter
    private var lastStatus: SessionStatus?
    private var quitting = false

    init(session: EditingSession, doc: Doc, output: JSONLineWriter) throws {
        self.doc = doc
        self.text = doc.getText("content")
        self.session = session
        self.output = output
        try doc.applyUpdate(session.initialState, origin: SupabaseProvider.remoteOrigin)
        doc.onUpdate { update, origin in
            if origin != SupabaseProvider.remoteOrigin { session.submit(update) }
        }
    }

    /// Announces readiness, then serves commands until `quit` or the end of input.
    func run(commands: AsyncStream<String>, extra ready: [String: JSONValue]) async {
        var readyEvent: [String: JSONValue] = [
            "event": "ready",
            "document": .string(session.document.description),
            "client_id": .integer(Int64(doc.clientID)),
            "text": .string(text.toString())
        ]
        readyEvent.merge(ready) { a, _ in a }
        output.write(.object(readyEvent))
        let events = session.events
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
                guard index >= 0, index <= text.length else {
                    throw HeadlessError.outOfRange("insert at \(index) in a text of \(text.length) UTF-16 units")
                }
                text.insert(string, at: index)
                reply(id, ["event": "ok"])
            case let .delete(index, length):
                guard index >= 0, length >= 0, index + length <= text.length else {
                    throw HeadlessError.outOfRange(
                        "delete \(length) at \(index) in a text of \(text.length) UTF-16 units")
                }
                text.delete(at: index, length: length)
                reply(id, ["event": "ok"])
            case let .cursor(index):
                guard index >= 0, index <= text.length else {
                    throw HeadlessError.outOfRange("cursor at \(index) in a text of \(text.length) UTF-16 units")
                }
                let position = RelativePosition(text: text, index: index, assoc: 0).encode()
                session.moveCursor(CursorPosition(caret: position))
                reply(id, ["event": "ok"])
            case .get:
                reply(id, ["event": "text", "text": .string(text.toString())])
            case let .waitSynced(timeout):
                let ok = await session.waitUntilSynced(timeout: .seconds(timeout))
                reply(id, ["event": "synced", "ok": .bool(ok), "text": .string(text.toString())])
            case let .waitText(expected, timeout):
                let deadline = ContinuousClock.now + .seconds(timeout)
                while text.toString() != expected, ContinuousClock.now < deadline {
                    // Remote updates are applied by `apply`, which runs between these sleeps.
                    try? await Task.sleep(for: .milliseconds(20))
                }
                let current = text.toString()
                reply(id, ["event": "text", "text": .string(current), "ok": .bool(current == expected)])
            case .save:
                try await session.saveNow()
                reply(id, ["event": "saved", "ok": true])
            case .status:
                reply(id, statusEvent(await session.currentStatus))
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

    // MARK: - Session events

    private func apply(_ event: SessionEvent) {
        switch event {
        case let .remoteUpdate(bytes):
            do {
                try doc.applyUpdate(bytes, origin: SupabaseProvider.remoteOrigin)
                output.write(["event": "text", "text": .string(text.toString()), "remote": true])
            } catch {
                output.write(["event": "error", "message": .string("a remote update did not apply: \(error)")])
            }
        case let .onlineUsers(users):
            output.write([
                "event": "presence",
                "count": .integer(Int64(users.count)),
                "users": .array(users.map { .string($0.name) })
            ])
        case let .cursors(cursors):
            output.write([
                "event": "cursors",
                "cursors": .array(
                    cursors.map { cursor in
                        var index = JSONValue.null
                        if let anchor = cursor.position?.anchor,
                            let position = try? RelativePosition(decoding: anchor),
                            let resolved = position.absoluteIndex(in: doc)
                        {
                            index = .integer(Int64(resolved))
                        }
                        return [
                            "client_id": .integer(Int64(cursor.clientID)), "name": .string(cursor.name), "index": index
                        ]
                    })
            ])
        case let .status(status):
            guard status != lastStatus else { return }
            lastStatus = status
            output.write(statusEvent(status))
        }
    }

    private func statusEvent(_ status: SessionStatus) -> JSONValue {
        var event: [String: JSONValue] = [
            "event": "status",
            "connection": .string(status.network.connection.description),
            "unsent": .integer(Int64(status.network.unsentUpdates)),
            "synced": .bool(status.network.isSynced),
            "save": .string(status.save.description)
        ]
        if let warning = status.network.warning { event["warning"] = .string(warning) }
        return .object(event)
    }

    private func reply(_ id: JSONValue?, _ body: JSONValue) {
        guard var object = body.objectValue else { return }
        if let id { object["id"] = id }
        output.write(.object(object))
    }
}

/// Writes one JSON value per line to stdout, whole lines only, flushed at once
/// (the test driving the process reads line by line).
final class JSONLineWriter: @unchecked Sendable {
    private let lock = NSLock()
    private let handle: FileHandle

    init(handle: FileHandle = .standardOutput) {
        self.handle = handle
    }

    func write(_ value: JSONValue) {
        let line = value.jsonBytes + [0x0A]
        lock.withLock {
            handle.write(Data(line))
        }
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
