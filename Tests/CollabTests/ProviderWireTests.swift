import Collab
import DocumentStorage
import Foundation
import Realtime
import RealtimeProtocol
import RelayServer
import TestSupport
import XCTest
import YCRDT

/// What goes over the wire, seen by a plain subscriber on the channel (as a web
/// client would see it): batching, no duplicates, payload sizes, rate limits, bad input.
final class ProviderWireTests: XCTestCase {
    func testFiftyKeystrokesWithinOneBatchAreOneBroadcast() async throws {
        let relay = try await TestRelay.start()
        // On a loaded machine the 50 keystrokes may not fit in 100 ms; then the premise
        // does not hold and the attempt is repeated rather than judged.
        for _ in 1...3 {
            let document = freshDocument()
            let spy = try await ChannelSpy(relay: relay.url, document: document)
            try await spy.start()
            let a = try TestEditor(relay: relay.url, document: document, name: "typist")
            await a.start()
            let synced = await a.waitUntilSynced()
            XCTAssertTrue(synced)
            // Nothing typed: nothing sent, however long we wait.
            try await Task.sleep(for: .milliseconds(400))
            let idle = await spy.payloads(of: "yjs-update").count
            XCTAssertEqual(idle, 0)

            let keys = Array(String(repeating: "اكتب hello, عالم! ", count: 4).prefix(50))
            XCTAssertEqual(keys.count, 50)
            // Keystrokes as the editor makes them: one update each, straight to the provider.
            var updates: [[UInt8]] = []
            let doc = Doc()
            let observer = doc.onUpdate { update, _ in updates.append(update) }
            for key in keys { doc.getText().insert(String(key), at: doc.getText().length) }
            doc.removeObserver(observer)
            let start = ContinuousClock.now
            for update in updates { try await a.provider.submitLocal(update) }
            if ContinuousClock.now - start >= .milliseconds(90) {
                await a.stop()
                await spy.stop()
                continue
            }
            await eventually("the batch arrived") { await spy.payloads(of: "yjs-update").count >= 1 }
            try await Task.sleep(for: .milliseconds(500))
            let sent = await spy.payloads(of: "yjs-update")
            XCTAssertEqual(sent.count, 1, "50 keystrokes in one batch must be one broadcast")
            // The web app's format: a number array under "update", and it rebuilds the text.
            guard case let .json(payload) = sent.first, let bytes = payload["update"]?.byteArrayValue else {
                return XCTFail("yjs-update is not {\"update\": [numbers]}: \(String(describing: sent.first))")
            }
            let web = Doc()
            try web.applyUpdate(bytes)
            XCTAssertEqual(web.getText().toString(), String(keys))
            withExtendedLifetime(doc) {}
            await a.stop()
            await spy.stop()
            await relay.stop()
            return
        }
        await relay.stop()
        XCTFail(
            "this machine never typed 50 keystrokes within 90 ms in 3 attempts; the batching premise could not be set up"
        )
    }

    func testAScriptedSessionBroadcastsEveryLocalChangeOnce() async throws {
        let relay = try await TestRelay.start()
        let document = freshDocument()
        let spy = try await ChannelSpy(relay: relay.url, document: document)
        try await spy.start()
        let a = try TestEditor(relay: relay.url, document: document, name: "a")
        let b = try TestEditor(relay: relay.url, document: document, name: "b")
        await a.start()
        await b.start()
        _ = await a.waitUntilSynced()
        _ = await b.waitUntilSynced()

        // 12 bursts from each editor, spaced wider than a batch.
        for i in 0..<12 {
            await a.insert("a\(i) ")
            await b.insert("ب\(i) ", at: 0)
            try await Task.sleep(for: .milliseconds(150))
        }
        await eventually("converged") { await a.string() == (await b.string()) }
        try await Task.sleep(for: .milliseconds(500))

        let updates = await spy.payloads(of: "yjs-update")
        let sentA = await a.provider.currentStatistics.sent["yjs-update"] ?? 0
        let sentB = await b.provider.currentStatistics.sent["yjs-update"] ?? 0
        XCTAssertEqual(updates.count, sentA + sentB, "the spy saw exactly what was sent")
        // One update per burst, so at most one broadcast per burst (fewer if a loaded
        // machine delayed bursts into the same batch).
        XCTAssertGreaterThanOrEqual(sentA, 2)
        XCTAssertLessThanOrEqual(sentA, 12)
        // No update went twice: every payload is different, and a remote update is never re-broadcast.
        let texts = updates.map { payload -> String in
            if case let .json(value) = payload { return value.jsonString }
            return "\(payload)"
        }
        XCTAssertEqual(Set(texts).count, texts.count, "a duplicate update was broadcast")
        let receivedB = await b.provider.currentStatistics.received["yjs-update"] ?? 0
        XCTAssertEqual(receivedB, sentA, "B received A's updates once each")
        for editor in [a, b] { await editor.stop() }
        await spy.stop()
        await relay.stop()
    }

    func testALargePasteIsSplitUnderThePayloadLimitAndArrivesWhole() async throws {
        let relay = try await TestRelay.start()
        let document = freshDocument()
        let spy = try await ChannelSpy(relay: relay.url, document: document)
        try await spy.start()
        let limit = 16 * 1024
        let configuration = fastProviderConfiguration { $0.maxPayloadBytes = limit }
        let a = try TestEditor(relay: relay.url, document: document, name: "a", configuration: configuration)
        let b = try TestEditor(relay: relay.url, document: document, name: "b", configuration: configuration)
        await a.start()
        await b.start()
        _ = await b.waitUntilSynced()

        let paste = String(repeating: "فقرة طويلة 👍🏽 with English text. ", count: 2000)  // ≈ 130 KB of UTF-8
        await a.insert(paste)
        await eventually(timeout: .seconds(30), "B has the whole paste") { await b.string() == paste }

        let updates = await spy.payloads(of: "yjs-update")
        XCTAssertGreaterThan(updates.count, 4, "the paste should have been split")
        for payload in updates {
            guard case let .json(value) = payload else { return XCTFail("not JSON") }
            XCTAssertLessThanOrEqual(value.jsonBytes.count, limit, "a broadcast exceeded the payload limit")
        }
        // A web client applying the parts one by one, in order, gets the same text.
        let web = Doc()
        for payload in updates {
            if case let .json(value) = payload, let bytes = value["update"]?.byteArrayValue {
                try web.applyUpdate(bytes)
            }
        }
        XCTAssertEqual(web.getText().toString(), paste)
        XCTAssertFalse(web.hasPending)
        for editor in [a, b] { await editor.stop() }
        await spy.stop()
        await relay.stop()
    }

    func testALateJoinerGetsALargeDocumentAsSeveralAnswerParts() async throws {
        let relay = try await TestRelay.start()
        let document = freshDocument()
        let spy = try await ChannelSpy(relay: relay.url, document: document)
        try await spy.start()
        let limit = 16 * 1024
        let configuration = fastProviderConfiguration { $0.maxPayloadBytes = limit }
        // A's document exists before anyone else is there (loaded from its store).
        let source = Doc(clientID: 77)
        let big = String(repeating: "نص قديم كبير — old large text 😀 ", count: 2000)
        source.getText().insert(big, at: 0)
        let a = try TestEditor(
            relay: relay.url, document: document, name: "a",
            initialState: try source.encodeStateAsUpdate(), configuration: configuration)
        await a.start()
        _ = await a.waitUntilSynced()

        let c = try TestEditor(relay: relay.url, document: document, name: "late", configuration: configuration)
        await c.start()
        await eventually(timeout: .seconds(30), "the late joiner has the whole document") { await c.string() == big }
        let synced = await c.waitUntilSynced()
        XCTAssertTrue(synced)
        let answers = await spy.payloads(of: "yjs-sync-step2")
        XCTAssertGreaterThan(answers.count, 3, "a 100 KB answer must come in parts")
        for payload in answers {
            guard case let .json(value) = payload else { return XCTFail("not JSON") }
            XCTAssertLessThanOrEqual(value.jsonBytes.count, limit)
        }
        for editor in [a, c] { await editor.stop() }
        await spy.stop()
        await relay.stop()
    }

    func testTheRateLimitClosesTheChannelAndTheProviderRejoinsLosingNothing() async throws {
        // A relay far stricter than Supabase: 3 events a second per socket.
        let relay = try await TestRelay.start(limits: RelayLimits(eventsPerSecond: 3))
        let document = freshDocument()
        let escalating = fastProviderConfiguration {
            $0.rejoinBackoff = Backoff([.milliseconds(200), .milliseconds(500)], then: .seconds(1))
        }
        let a = try TestEditor(relay: relay.url, document: document, name: "fast", configuration: escalating)
        let b = try TestEditor(relay: relay.url, document: document, name: "reader")
        await a.start()
        await b.start()
        _ = await a.waitUntilSynced()
        var expected = ""
        for i in 0..<30 {
            let piece = "k\(i) "
            await a.insert(piece)
            expected += piece
            try await Task.sleep(for: .milliseconds(110))
        }
        await eventually(timeout: .seconds(40), "every keystroke reached B despite the closes") {
            await b.string() == expected
        }
        if await b.string() != expected {
            print("A stats", await a.provider.currentStatistics, "B stats", await b.provider.currentStatistics)
        }
        let warnings = await a.events.compactMap { event -> String? in
            if case let .status(status) = event { return status.warning }
            return nil
        }
        XCTAssertTrue(
            warnings.contains { $0.contains("Too many messages") }, "the relay's limit was never hit: \(warnings)")
        for editor in [a, b] { await editor.stop() }
        await relay.stop()
    }

    func testMalformedOrInvalidUpdatesChangeNothing() async throws {
        let relay = try await TestRelay.start()
        let document = freshDocument()
        let spy = try await ChannelSpy(relay: relay.url, document: document)
        try await spy.start()
        let b = try TestEditor(relay: relay.url, document: document, name: "b")
        await b.start()
        await b.insert("سليم")
        _ = await b.waitUntilSynced()

        try await spy.send("yjs-update", ["update": [1, 2, 3]])  // truncated Yjs
        try await spy.send("yjs-update", ["update": [300]])  // not a byte
        try await spy.send("yjs-update", ["update": "%%%"])  // not base64
        try await spy.send("yjs-sync-step1", ["peer": "x", "request": "r", "stateVector": "AQ=="])  // bad vector
        try await spy.send("yjs-awareness", ["update": [5, 1]])  // truncated awareness
        await eventually("all five were rejected") { await b.provider.currentStatistics.rejected == 5 }
        let text = await b.string()
        XCTAssertEqual(text, "سليم")
        let replica = await b.provider.text()
        XCTAssertEqual(replica, "سليم")
        let remote = await b.events.filter { if case .remoteUpdate = $0 { return true } else { return false } }
        XCTAssertTrue(remote.isEmpty, "a rejected update reached the editor")

        // And a valid update in the base64 form still applies.
        let other = Doc(clientID: 4242)
        other.getText().insert("!", at: 0)
        try await spy.send(
            "yjs-update", ["update": .string(Data(try other.encodeStateAsUpdate()).base64EncodedString())])
        await eventually("the valid base64 update applied") { await b.string().contains("!") }
        await b.stop()
        await spy.stop()
        await relay.stop()
    }

    /// An update that reuses ids the document already has, with other content
    /// (what one flipped bit in a valid update can make): refused before it
    /// touches anything, counted, named in a warning, and the warning expires.
    func testACorruptUpdateIsRefusedCountedAndItsWarningExpires() async throws {
        let relay = try await TestRelay.start()
        let document = freshDocument()
        let spy = try await ChannelSpy(relay: relay.url, document: document)
        try await spy.start()
        let configuration = fastProviderConfiguration {
            $0.warningLifetime = .milliseconds(600)
            $0.awarenessCheckInterval = .milliseconds(100)
        }
        let b = try TestEditor(relay: relay.url, document: document, name: "b", configuration: configuration)
        await b.start()
        await b.insert("سليم")
        _ = await b.waitUntilSynced()
        let before = try await b.provider.replicaState()

        // The same ids as b's text (b's client id, clocks 0-3), other characters.
        let forger = Doc(clientID: b.clientID)
        forger.getText().insert("evil", at: 0)
        try await spy.send(
            "yjs-update", ["update": .array(try forger.encodeStateAsUpdate().map { .integer(Int64($0)) })])

        await eventually("the corrupt update was refused") { await b.provider.currentStatistics.rejected == 1 }
        let warning = await b.provider.currentStatus.warning
        XCTAssertTrue(
            warning?.contains("yjs-update") == true, "the warning names the message: \(String(describing: warning))")
        let text = await b.string()
        XCTAssertEqual(text, "سليم")
        let after = try await b.provider.replicaState()
        XCTAssertEqual(after, before, "the refused update changed the replica")
        let remote = await b.events.filter { if case .remoteUpdate = $0 { return true } else { return false } }
        XCTAssertTrue(remote.isEmpty, "a refused update reached the editor")

        await eventually("the warning expired") { await b.provider.currentStatus.warning == nil }
        await b.stop()
        await spy.stop()
        await relay.stop()
    }

    /// One malformed awareness message: its warning goes away on its own.
    func testAMalformedAwarenessWarningExpires() async throws {
        let relay = try await TestRelay.start()
        let document = freshDocument()
        let spy = try await ChannelSpy(relay: relay.url, document: document)
        try await spy.start()
        let configuration = fastProviderConfiguration {
            $0.warningLifetime = .milliseconds(600)
            $0.awarenessCheckInterval = .milliseconds(100)
        }
        let b = try TestEditor(relay: relay.url, document: document, name: "b", configuration: configuration)
        await b.start()
        _ = await b.waitUntilSynced()
        try await spy.send("yjs-awareness", ["update": [5, 1]])
        await eventually("the awareness message was refused") { await b.provider.currentStatus.warning != nil }
        let warning = await b.provider.currentStatus.warning
        XCTAssertTrue(warning?.contains("yjs-awareness") == true, "\(String(describing: warning))")
        await eventually("the warning expired") { await b.provider.currentStatus.warning == nil }
        await b.stop()
        await spy.stop()
        await relay.stop()
    }
}
