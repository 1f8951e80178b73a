import XCTest

@testable import YCRDT

final class TextAndUndoTests: XCTestCase {
    func testEventsCarryDeltaOriginAndLocality() throws {
        let a = Doc(clientID: 1)
        let b = Doc(clientID: 2)
        let text = a.getText()
        var seen: [(delta: [TextDelta], origin: AnyHashable?, local: Bool)] = []
        text.observe { e in seen.append((e.delta, e.origin, e.isLocal)) }
        var updates: [[UInt8]] = []
        a.onUpdate { u, _ in updates.append(u) }
        text.insert("hello", at: 0)
        a.transact(origin: "typing") { _ in
            text.insert(" world", at: 5)
            text.format(at: 0, length: 5, attributes: ["bold": .bool(true)])
        }
        XCTAssertEqual(updates.count, 2, "one update per transaction")
        b.getText().insert("¡", at: 0)
        try a.applyUpdate(try b.encodeStateAsUpdate(), origin: "remote")
        text.delete(at: 1, length: 2)
        XCTAssertEqual(seen.count, 4)
        XCTAssertEqual(seen[0].delta, [.insert("hello")])
        XCTAssertTrue(seen[0].local)
        XCTAssertEqual(seen[1].origin, "typing")
        XCTAssertEqual(seen[1].delta, [.retain(5, attributes: ["bold": .bool(true)]), .insert(" world")])
        // Concurrent inserts into an empty text: the lower client id goes first.
        XCTAssertEqual(seen[2].delta, [.retain(11), .insert("¡")])
        XCTAssertFalse(seen[2].local)
        XCTAssertEqual(seen[2].origin, "remote")
        XCTAssertEqual(seen[3].delta, [.retain(1), .delete(2)])
        XCTAssertEqual(text.toString(), "hlo world¡")
        XCTAssertEqual(text.toDelta(), [.insert("hlo", attributes: ["bold": .bool(true)]), .insert(" world¡")])
        XCTAssertEqual(a.rootTextNames, ["content"])
    }

    func testReusedTransactionsCarryTheirOwnOrigin() {
        // A finished transaction is reused by the next one: its origin must not leak into a
        // transaction given none, nor stay nil when the next one has one.
        let doc = Doc(clientID: 1)
        let text = doc.getText()
        var updateOrigins: [AnyHashable?] = []
        var eventOrigins: [AnyHashable?] = []
        doc.onUpdate { _, origin in updateOrigins.append(origin) }
        text.observe { eventOrigins.append($0.origin) }
        let given: [AnyHashable?] = ["a", nil, nil, "b", "b", nil, 7]
        for (i, origin) in given.enumerated() {
            doc.transact(origin: origin) { _ in text.insert("x", at: i) }
        }
        XCTAssertEqual(updateOrigins, given)
        XCTAssertEqual(eventOrigins, given)
    }

    func testConcurrentEditsConverge() throws {
        let docs = (1...3).map { Doc(clientID: ClientID($0)) }
        var outbox: [[UInt8]] = []
        for d in docs { d.onUpdate { u, origin in if origin == nil { outbox.append(u) } } }
        docs[0].getText().insert("السلام عليكم", at: 0)
        for d in docs.dropFirst() { try d.applyUpdate(outbox[0], origin: "remote") }
        docs[1].getText().insert(" world", at: 12)
        docs[2].getText().delete(at: 0, length: 3)
        docs[0].getText().insert("😀", at: 6)
        let all = try YUpdate.merge(outbox)
        for d in docs { try d.applyUpdate(all, origin: "remote") }
        let texts = docs.map { $0.getText().toString() }
        XCTAssertEqual(Set(texts).count, 1, "\(texts)")
        XCTAssertEqual(texts[0], "لام😀 عليكم world")
        XCTAssertEqual(Set(docs.map { $0.encodeStateVector() }).count, 1)
    }

    func testPendingUpdatesWaitForTheirDependencies() throws {
        let a = Doc(clientID: 1)
        var ups: [[UInt8]] = []
        a.onUpdate { u, _ in ups.append(u) }
        a.getText().insert("abc", at: 0)
        a.getText().insert("def", at: 3)
        a.getText().delete(at: 1, length: 1)
        let b = Doc(clientID: 2)
        try b.applyUpdate(ups[2])
        try b.applyUpdate(ups[1])
        XCTAssertTrue(b.hasPending)
        XCTAssertEqual(b.getText().toString(), "")
        XCTAssertEqual(b.encodeStateVector(), [0])
        try b.applyUpdate(ups[0])
        XCTAssertFalse(b.hasPending)
        XCTAssertEqual(b.getText().toString(), "acdef")
    }

    func testUndoRedoOnlyLocalTrackedChanges() throws {
        let doc = Doc(clientID: 1)
        let remote = Doc(clientID: 2)
        let text = doc.getText()
        let undo = UndoManager(text, captureTimeout: 0)
        text.insert("hello", at: 0)
        undo.stopCapturing()
        text.insert(" world", at: 5)
        XCTAssertTrue(undo.canUndo)
        // A remote edit is never undone.
        try remote.applyUpdate(try doc.encodeStateAsUpdate())
        remote.getText().insert(">> ", at: 0)
        try doc.applyUpdate(try remote.encodeStateAsUpdate(since: doc.encodeStateVector()), origin: "remote")
        XCTAssertEqual(text.toString(), ">> hello world")
        XCTAssertTrue(undo.undo())
        XCTAssertEqual(text.toString(), ">> hello")
        XCTAssertTrue(undo.undo())
        XCTAssertEqual(text.toString(), ">> ")
        XCTAssertFalse(undo.undo())
        XCTAssertTrue(undo.canRedo)
        XCTAssertTrue(undo.redo())
        XCTAssertEqual(text.toString(), ">> hello")
        XCTAssertTrue(undo.redo())
        XCTAssertEqual(text.toString(), ">> hello world")
        XCTAssertFalse(undo.redo())
        // Undo of a deletion brings the text back, also after gc would have collected it.
        text.delete(at: 3, length: 6)
        XCTAssertEqual(text.toString(), ">> world")
        XCTAssertTrue(undo.undo())
        XCTAssertEqual(text.toString(), ">> hello world")
        // The other replica converges with the undo history applied.
        try remote.applyUpdate(try doc.encodeStateAsUpdate(since: remote.encodeStateVector()))
        XCTAssertEqual(remote.getText().toString(), ">> hello world")
    }

    func testUntrackedOriginsAndCaptureTimeoutGrouping() {
        let doc = Doc(clientID: 1)
        let text = doc.getText()
        let undo = UndoManager(text, captureTimeout: 60)
        text.insert("a", at: 0)
        text.insert("b", at: 1)
        doc.transact(origin: "autoformat") { _ in text.insert("!", at: 2) }
        text.insert("c", at: 3)
        XCTAssertEqual(text.toString(), "ab!c")
        XCTAssertTrue(undo.undo())  // a, b and c were typed within the capture timeout: one step
        XCTAssertEqual(text.toString(), "!")
        XCTAssertFalse(undo.canUndo)
    }

    func testLocalEditsMergeIntoOneItemAndEmitSmallUpdates() throws {
        let doc = Doc(clientID: 7)
        var sizes: [Int] = []
        doc.onUpdate { u, _ in sizes.append(u.count) }
        let text = doc.getText()
        for (i, ch) in "typing a long sentence one key at a time".enumerated() {
            text.insert(String(ch), at: i)
        }
        XCTAssertEqual(doc.store.clients[7]?.count, 1, "consecutive typing merges into one struct")
        XCTAssertLessThan(sizes.dropFirst().max() ?? 0, 12, "per-keystroke updates stay small")
        text.delete(at: 3, length: 10)
        text.insert("X", at: 3)
        let fresh = Doc()
        try fresh.applyUpdate(try doc.encodeStateAsUpdate())
        XCTAssertEqual(fresh.getText().toString(), text.toString())
    }

    func testSurrogatePairSplitReplacesBothHalves() {
        let doc = Doc(clientID: 1)
        let text = doc.getText()
        text.insert("a😀b", at: 0)
        text.insert("X", at: 2)
        XCTAssertEqual(text.toString(), "a\u{FFFD}X\u{FFFD}b")
        XCTAssertEqual(text.length, 5)
    }
}

final class ApplyDeltaVectorTests: XCTestCase {
    /// `updates.json` case `apply_delta`: the same delta gives the same update, byte for byte.
    func testApplyDeltaMatchesYjs() throws {
        let c = try Vectors.load("updates.json")["cases"]!.arrayValue.first { $0["name"] == .string("apply_delta") }!
        let doc = Doc(clientID: 1)
        var emitted: [String] = []
        doc.onUpdate { u, _ in emitted.append(hex(u)) }
        doc.getText().applyDelta([.insert("Hi "), .insert("there", attributes: ["bold": .bool(true)]), .insert("\n")])
        XCTAssertEqual(emitted, c["updates"]!.arrayValue.map { $0["hex"]!.stringValue! })
        XCTAssertEqual(doc.getText().toString(), "Hi there\n")
        assertDeltaEqual(doc.getText().toDelta(), delta(fromJSON: c["final_delta"]!), "apply_delta")
    }

    func testRejectsDuplicateBlocksAndOverlongIntegers() {
        // Two blocks for client 1; a state vector with an overlong zero.
        XCTAssertThrowsError(
            try YUpdate.validate(
                hex("0201010004010763" + "6f6e74656e740161" + "0101010104010763" + "6f6e74656e74016200")))
        XCTAssertThrowsError(try SyncMessage.decode([0x80, 0x00, 0x01, 0x00]))
    }
}

final class LifetimeTests: XCTestCase {
    func testTextOutlivingItsDocIsEmptyAndInert() {
        var doc: Doc? = Doc(clientID: 1)
        let text = doc!.getText()
        text.insert("hello", at: 0)
        weak let weakDoc = doc
        doc = nil
        XCTAssertNil(weakDoc, "a doc is freed when its owner drops it")
        XCTAssertEqual(text.toString(), "")
        XCTAssertEqual(text.length, 0)
        text.insert("ignored", at: 0)
        XCTAssertEqual(text.toDelta(), [])
    }
}
