import Collab
import DocumentStorage
import Foundation
import Realtime
import RelayServer
import TestSupport
import XCTest
import YCRDT

/// Providers through a real relay on a loopback port: convergence, late joiners,
/// offline edits in both directions.
final class ProviderSyncTests: XCTestCase {
    func testTwoEditorsConvergeOnConcurrentArabicAndEnglishEditsAndALateJoinerCatchesUp() async throws {
        let relay = try await TestRelay.start()
        let document = freshDocument()
        let a = try TestEditor(relay: relay.url, document: document, name: "Amira")
        let b = try TestEditor(relay: relay.url, document: document, name: "Ben")
        await a.start()
        await b.start()
        let syncedA = await a.waitUntilSynced()
        let syncedB = await b.waitUntilSynced()
        XCTAssertTrue(syncedA && syncedB)

        // Both type at once, interleaved, at the same spot and elsewhere.
        for (i, (arabic, english)) in zip(
            ["مرحبا", " بالعالم", "، كيف", " الحال؟"], ["Hello", " world", ", how", " are you?"]
        ).enumerated() {
            await a.insert(arabic, at: 0)
            await b.insert(english)
            if i == 2 {
                await a.insert("😀", at: 1)
                await b.delete(at: 0, length: 1)
            }
            try await Task.sleep(for: .milliseconds(30))
        }
        await eventually("A and B agree") {
            let (ta, tb) = (await a.string(), await b.string())
            return ta == tb && ta.contains("بالعالم") && ta.contains("are you?")
        }

        // A late joiner with nothing gets everything through the sync exchange.
        // (A and B may have answered each other: they joined at about the same time.)
        let answersBefore =
            await a.provider.currentStatistics.answersSent + b.provider.currentStatistics.answersSent
        let c = try TestEditor(relay: relay.url, document: document, name: "Chen")
        await c.start()
        let expected = await a.string()
        await eventually("C caught up") { await c.string() == expected }
        let syncedC = await c.waitUntilSynced()
        XCTAssertTrue(syncedC)

        // Exactly one peer answered C's request (the other saw the answer and stayed quiet),
        // or at worst both when their delays were close; never more answers than peers.
        let answers =
            await a.provider.currentStatistics.answersSent + b.provider.currentStatistics.answersSent - answersBefore
        XCTAssertGreaterThanOrEqual(answers, 1)
        XCTAssertLessThanOrEqual(answers, 2)

        for editor in [a, b, c] { await editor.stop() }
        await relay.stop()
    }

    func testAnEditorCutOffEditsAndBothSidesGetEverythingWhenItReconnects() async throws {
        let relay = try await TestRelay.start()
        let document = freshDocument()
        let a = try TestEditor(relay: relay.url, document: document, name: "a")
        let b = try TestEditor(relay: relay.url, document: document, name: "b")
        await a.start()
        await b.start()
        await a.insert("base نص")
        await eventually("B has the base") { await b.string() == "base نص" }

        await b.client.disconnect()
        await eventually("B knows it is offline") {
            if case .connected = await b.provider.currentStatus.connection { return false }
            return true
        }
        await a.insert(" from-A", at: 0)
        await b.insert(" من-ب")
        await b.delete(at: 0, length: 2)  // a deletion made offline
        await eventually("B's offline edits wait, counted as unsent") {
            await b.provider.currentStatus.unsentUpdates > 0
        }

        await b.client.connect()
        await eventually("A and B converge after the reconnect") {
            let (ta, tb) = (await a.string(), await b.string())
            return ta == tb && ta.contains("from-A") && ta.contains("من-ب")
        }
        let text = await a.string()
        XCTAssertFalse(text.contains("base"), "B's offline deletion of 'ba' reached A: \(text)")
        for editor in [a, b] { await editor.stop() }
        await relay.stop()
    }

    func testARelayRestartOnTheSamePortLosesNothing() async throws {
        var relay = try await TestRelay.start()
        let port = relay.port
        let document = freshDocument()
        let a = try TestEditor(relay: relay.url, document: document, name: "a")
        let b = try TestEditor(relay: relay.url, document: document, name: "b")
        await a.start()
        await b.start()
        await a.insert("قبل ")
        await eventually { await b.string() == "قبل " }

        await relay.stop()
        await a.insert("A-offline ")
        await b.insert("B-offline")
        relay = try await TestRelay.start(port: port)
        await eventually("both sides' offline edits reached the other") {
            let (ta, tb) = (await a.string(), await b.string())
            return ta == tb && ta.contains("A-offline") && ta.contains("B-offline") && ta.contains("قبل")
        }
        for editor in [a, b] { await editor.stop() }
        await relay.stop()
    }
}
