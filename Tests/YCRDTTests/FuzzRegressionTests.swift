import Foundation
import XCTest

@testable import YCRDT

/// Inputs found by the libFuzzer harness (Fuzz/update-decoder) that once crashed or hung.
final class FuzzRegressionTests: XCTestCase {
    private func applyEverywhere(_ base64: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let data = Data(base64Encoded: base64) else { return XCTFail("bad base64", file: file, line: line) }
        let bytes = [UInt8](data)
        _ = try? YUpdate.validate(bytes)
        _ = try? YUpdate.stateVector(of: bytes)
        _ = try? YUpdate.merge([bytes, bytes])
        _ = try? YUpdate.diff(bytes, against: [0])
        let doc = Doc(clientID: 3)
        _ = doc.getText()
        _ = try? doc.applyUpdate(bytes)
        _ = try? doc.applyUpdate(bytes)
        _ = try? doc.encodeStateAsUpdate()
        _ = doc.getText().toString()
        let base = baseState()
        let withContent = Doc(clientID: 5, gc: false)
        XCTAssertNoThrow(try withContent.applyUpdate(base))
        let before = try? withContent.encodeStateAsUpdate()
        do { try withContent.applyUpdate(bytes) } catch {
            XCTAssertEqual(try? withContent.encodeStateAsUpdate(), before, file: file, line: line)
        }
        if let state = try? withContent.encodeStateAsUpdate() {
            // Whatever was accepted loads back from the state into the same content.
            let reloaded = Doc(clientID: 9, gc: false)
            XCTAssertNoThrow(try reloaded.applyUpdate(state), file: file, line: line)
            XCTAssertEqual(reloaded.contentDigest(), withContent.contentDigest(), file: file, line: line)
            XCTAssertEqual(reloaded.encodeStateVector(), withContent.encodeStateVector(), file: file, line: line)
        }
        if let merged = try? YUpdate.merge([base, bytes]) {
            let viaMerge = Doc(clientID: 15)
            let viaParts = Doc(clientID: 15)
            if (try? viaMerge.applyUpdate(merged)) != nil, (try? viaParts.applyUpdate(base)) != nil,
                (try? viaParts.applyUpdate(bytes)) != nil
            {
                XCTAssertEqual(viaMerge.encodeStateVector(), viaParts.encodeStateVector(), file: file, line: line)
            }
        }
        _ = try? YUpdate.diff(base, against: bytes)
        let fromSV = Doc(clientID: 11)
        if (try? fromSV.applyUpdate(base)) != nil { _ = try? fromSV.encodeStateAsUpdate(since: bytes) }
    }

    /// The fuzz harness's fixture: two clients, formatting, deletions, two root texts.
    private func baseState() -> [UInt8] {
        let a = Doc(clientID: 7, gc: true)
        let text = a.getText("content")
        text.insert("سَلامٌ hello 😀", at: 0)
        text.format(at: 2, length: 5, attributes: ["bold": .bool(true)])
        text.delete(at: 1, length: 2)
        let b = Doc(clientID: 1_000_000_007, gc: false)
        try? b.applyUpdate(try! a.encodeStateAsUpdate())
        b.getText("content").insert("end", at: b.getText("content").length)
        b.getText("notes").insert("n", at: 0)
        return (try? b.encodeStateAsUpdate()) ?? []
    }

    func testSameClientSplitsDuringDependencyHunt() {
        applyEverywhere("AgIGAMQFAQUCAUKEBQMBQwUPAAQBB2NvbnRlbnQBYoEFAAGBBQEBhAUCAWXEBQEFAgFBAQUBAQI=")
    }

    /// A valid update with one bit flipped: it reuses (7,0), which the fixture has, with
    /// another origin and content. Applied after the fixture it is refused (Yjs would skip
    /// the struct and apply the rest); a merge with the fixture differed from applying the
    /// two in order.
    func testBitFlippedUpdateReusingAKnownID() throws {
        let input = "AwEHAIQEAwV0aHJlZQESboQBAwR0d28gAQEABAEHKW9ubmVudARvbmUgAQEBAAI="
        applyEverywhere(input)
        let doc = Doc(clientID: 5, gc: false)
        try doc.applyUpdate(baseState())
        let before = try doc.encodeStateAsUpdate()
        XCTAssertThrowsError(try doc.applyUpdate([UInt8](Data(base64Encoded: input)!))) { error in
            guard case let .conflictingStruct(conflict)? = error as? YCRDTError else { return XCTFail("\(error)") }
            XCTAssertEqual(conflict.id, ID(client: 7, clock: 0))
        }
        XCTAssertEqual(try doc.encodeStateAsUpdate(), before)
    }
}

/// Items whose right origin lies at or before their origin in one run of text: no editor
/// writes them (both origins are the neighbours of one place), and Yjs places them where no
/// reload of the result puts them back. Such an item is kept as collected: the rest of the
/// update applies, and what the document shows loads back from its state. The fuzz harness
/// found the first in CI, the second once a refusal up front was tried (a document's own
/// state can hold such an item beside a run merged after it was placed).
final class CrossedOriginTests: XCTestCase {
    /// "hello" (1,0…4), " world" after it, then a format item at (1,12) with origin (1,4) and
    /// right origin (1,3): both inside "hello", crossed.
    private let crossedInOneUpdate =
        "AQQBAAQBB2NvbnRlbnQFaGVsbG+EAQQGIHdvcmxkRgEABGJvbGQEdHJ1ZcYBBAEDBGJvbGQEbnVsbAA="
    /// Item (6,0) with origin (5,2) and right origin (5,1) in separate structs: placed, and
    /// the document's state then holds (5,1…2) as one run.
    private let crossedBetweenItems =
        "AgIGAMQFAgUBAUKEBQMBQwUFAAQBB2NvbnRlbnQBYoEFAAGBBQEBhDICAWXEBQEFAgFBAQABAQI="

    /// Format item (1,12) with origin (1,9) in "rld" and right origin (1,5) in " wo": the
    /// right origin is before the origin, in another item. Placed, it reloaded elsewhere.
    private let rightOriginBeforeOrigin =
        "AgICAMYBAQECBWNvbG9yBiJibHVlIsYBBwEMBWNvbG9yBG51bGwGAQAEAQdjem50ZW50AmhlhAEBA2xsb4QBBAMgd2+EAQcDcmxkRgEABWNvbG9rBSJyZWQixgEJAQUFY29sb3IEbnVsbAA="

    func testAnItemWhoseRightOriginIsBeforeItsOriginIsCollected() throws {
        let doc = Doc(clientID: 3)
        try doc.applyUpdate([UInt8](Data(base64Encoded: rightOriginBeforeOrigin)!))
        XCTAssertEqual(doc.getText("czntent").toString(), "hello world")
        try assertReloadsAndReapplies(doc, [rightOriginBeforeOrigin])
    }

    func testTheCrossedItemOfAnUpdateIsCollectedAndTheRestApplies() throws {
        let doc = Doc(clientID: 3)
        try doc.applyUpdate([UInt8](Data(base64Encoded: crossedInOneUpdate)!))
        XCTAssertEqual(doc.getText("content").toString(), "hello world")
        XCTAssertEqual(doc.encodeStateVector(), try YUpdate.stateVector(of: doc.encodeStateAsUpdate()))
        try assertReloadsAndReapplies(doc, [crossedInOneUpdate])
    }

    func testAStateHoldingAnItemPlacedBetweenCrossedItemsReloads() throws {
        let doc = Doc(clientID: 3)
        try doc.applyUpdate([UInt8](Data(base64Encoded: crossedBetweenItems)!))
        try assertReloadsAndReapplies(doc, [crossedBetweenItems])
    }

    /// The run is in the document already.
    func testAnItemCrossedInsideAnItemOfTheDocumentIsCollected() throws {
        let a = Doc(clientID: 1)
        a.getText("content").insert("hello", at: 0)
        let doc = Doc(clientID: 3)
        try doc.applyUpdate(try a.encodeStateAsUpdate())
        let crossed = crossedItem(client: 2, origin: ID(client: 1, clock: 4), rightOrigin: ID(client: 1, clock: 3))
        try doc.applyUpdate(crossed)
        XCTAssertEqual(doc.getText("content").toString(), "hello")
        XCTAssertEqual(doc.encodeStateVector(), [2, 2, 1, 1, 5])  // the item counts as received
        try assertReloadsAndReapplies(doc, [])
        try doc.applyUpdate(crossed)
        XCTAssertEqual(doc.getText("content").toString(), "hello")
    }

    /// The crossed item arrives before its run and waits pending; when the run arrives it
    /// is kept as collected the same way.
    func testAPendingCrossedItemIsCollectedWhenItsRunArrives() throws {
        let a = Doc(clientID: 1)
        a.getText("content").insert("hello", at: 0)
        let run = try a.encodeStateAsUpdate()
        let crossed = crossedItem(client: 2, origin: ID(client: 1, clock: 4), rightOrigin: ID(client: 1, clock: 3))
        let doc = Doc(clientID: 3)
        try doc.applyUpdate(crossed)
        XCTAssertTrue(doc.hasPending)
        try doc.applyUpdate(run)
        XCTAssertFalse(doc.hasPending)
        XCTAssertEqual(doc.getText("content").toString(), "hello")
        try assertReloadsAndReapplies(doc, [])
        let digest = doc.contentDigest()
        try doc.applyUpdate(crossed)
        try doc.applyUpdate(run)
        XCTAssertEqual(doc.contentDigest(), digest)
    }

    /// What the fuzz harness asks of an accepted update: the document's state loads into
    /// the same content and state vector, and the updates apply again without a change.
    private func assertReloadsAndReapplies(
        _ doc: Doc, _ updates: [String], file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let reloaded = Doc(clientID: 9)
        try reloaded.applyUpdate(try doc.encodeStateAsUpdate())
        XCTAssertEqual(reloaded.contentDigest(), doc.contentDigest(), file: file, line: line)
        XCTAssertEqual(reloaded.encodeStateVector(), doc.encodeStateVector(), file: file, line: line)
        let digest = doc.contentDigest()
        for update in updates {
            try doc.applyUpdate([UInt8](Data(base64Encoded: update)!))
        }
        XCTAssertEqual(doc.contentDigest(), digest, file: file, line: line)
    }

    /// One text item "x" of `client` at clock 0 with the given origins.
    private func crossedItem(client: Int, origin: ID, rightOrigin: ID) -> [UInt8] {
        var e = Lib0Encoder()
        e.writeVarUInt(1)  // one client block
        e.writeVarUInt(1)  // one struct
        e.writeVarUInt(client)
        e.writeVarUInt(0)  // first clock
        e.writeUInt8(0x80 | 0x40 | 4)  // origin, right origin, string content
        e.writeVarUInt(origin.client)
        e.writeVarUInt(origin.clock)
        e.writeVarUInt(rightOrigin.client)
        e.writeVarUInt(rightOrigin.clock)
        e.writeVarString("x")
        e.writeVarUInt(0)  // empty delete set
        return e.bytes
    }
}
