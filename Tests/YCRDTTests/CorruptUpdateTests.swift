import Foundation
import TestSupport
import XCTest

@testable import YCRDT

/// Updates that decode but reuse known ids for other structs are refused whole; everything
/// a document accepts re-encodes into a state that loads back to the same content.
final class CorruptUpdateTests: XCTestCase {
    /// What must not change when an update is refused.
    private struct Snapshot: Equatable {
        var state: [UInt8]
        var stateVector: [UInt8]
        var pending: Bool
        var digest: ContentDigest

        init(_ doc: Doc) throws {
            state = try doc.encodeStateAsUpdate()
            stateVector = doc.encodeStateVector()
            pending = doc.hasPending
            digest = doc.contentDigest()
        }
    }

    /// The update-decoder fuzz harness's fixture (Fuzz/update-decoder/main.swift).
    private func fuzzFixture() throws -> [UInt8] {
        let a = Doc(clientID: 7, gc: true)
        let text = a.getText("content")
        text.insert("سَلامٌ hello 😀", at: 0)
        text.format(at: 2, length: 5, attributes: ["bold": .bool(true)])
        text.delete(at: 1, length: 2)
        let b = Doc(clientID: 1_000_000_007, gc: false)
        try b.applyUpdate(try a.encodeStateAsUpdate())
        b.getText("content").insert("end", at: b.getText("content").length)
        b.getText("notes").insert("n", at: 0)
        return try b.encodeStateAsUpdate()
    }

    /// The reproduction from issue 9's predecessor note: a valid update with one bit
    /// flipped gives (7,0) a new origin and content; Yjs skips that struct and keeps the
    /// rest, and a merge of it with the state drops the fixture's text.
    func testBitFlippedUpdateReusingAnIDIsRefused() throws {
        let bytes = [UInt8](Data(base64Encoded: "AwEHAIQEAwV0aHJlZQESboQBAwR0d28gAQEABAEHKW9ubmVudARvbmUgAQEBAAI=")!)
        let doc = Doc(clientID: 5, gc: false)
        try doc.applyUpdate(try fuzzFixture())
        let before = try Snapshot(doc)
        var events = 0
        doc.onUpdate { _, _ in events += 1 }
        XCTAssertThrowsError(try doc.applyUpdate(bytes)) { error in
            guard case let .conflictingStruct(conflict)? = error as? YCRDTError else {
                return XCTFail("expected conflictingStruct, got \(error)")
            }
            XCTAssertEqual(conflict.id, ID(client: 7, clock: 0))
            XCTAssertEqual(conflict.field, .origin)
            XCTAssertFalse(conflict.pending)
            XCTAssertTrue("\(error)".contains("(7,0)"), "\(error)")
        }
        XCTAssertEqual(try Snapshot(doc), before)
        XCTAssertEqual(events, 0)
    }

    func testEachFieldOfAKnownStructIsCompared() throws {
        let a = Doc(clientID: 1)
        a.getText().insert("hello", at: 0)
        a.getText().insert("XY", at: 2)
        let state = try a.encodeStateAsUpdate()
        let doc = Doc(clientID: 2)
        try doc.applyUpdate(state)
        let before = try Snapshot(doc)

        func refused(_ s: WireStruct, _ field: StructConflict.Field, file: StaticString = #filePath, line: UInt = #line)
        {
            let update = UpdateCodec.encode(DecodedUpdate(blocks: [(s.id.client, [s])], ds: DeleteSet()))
            XCTAssertThrowsError(try doc.applyUpdate(update), file: file, line: line) { error in
                guard case let .conflictingStruct(c)? = error as? YCRDTError else {
                    return XCTFail("\(error)", file: file, line: line)
                }
                XCTAssertEqual(c.field, field, "\(c)", file: file, line: line)
            }
            XCTAssertEqual(try Snapshot(doc), before, file: file, line: line)
        }
        func item(
            _ clock: Int, _ text: String, origin: ID?, right: ID?, parent: ParentRef? = nil, sub: String? = nil
        ) -> WireStruct {
            let units = Array(text.utf16)
            return .item(
                WireItem(
                    id: ID(client: 1, clock: clock), length: units.count, origin: origin, rightOrigin: right,
                    parent: parent, parentSub: sub, content: .string(units)))
        }
        // "he" (1,0-1), "XY" (1,5-6) between, "llo" (1,2-4) after "he".
        refused(item(0, "ha", origin: nil, right: nil, parent: .root("content")), .content)
        refused(item(0, "he", origin: nil, right: nil, parent: .root("notes")), .parent)
        refused(item(0, "he", origin: nil, right: nil, parent: .root("content"), sub: "k"), .parentSub)
        refused(item(1, "e", origin: ID(client: 9, clock: 0), right: nil), .origin)
        refused(item(5, "XY", origin: ID(client: 1, clock: 1), right: nil), .rightOrigin)
        refused(item(5, "X", origin: ID(client: 1, clock: 0), right: ID(client: 1, clock: 2)), .origin)
        refused(
            .item(
                WireItem(
                    id: ID(client: 1, clock: 5), length: 1, origin: ID(client: 1, clock: 1),
                    rightOrigin: ID(client: 1, clock: 2), parent: nil, parentSub: nil, content: .embed("{}"))),
            .kind)

        // The same structs cut differently, and ranges sent again, are accepted.
        for s in [
            item(0, "h", origin: nil, right: nil, parent: .root("content")),
            item(1, "ello", origin: ID(client: 1, clock: 0), right: nil),
            item(6, "Y", origin: ID(client: 1, clock: 5), right: ID(client: 1, clock: 2)),
            .gc(ID(client: 1, clock: 0), 7),
            .skip(ID(client: 1, clock: 0), 3),
            .item(
                WireItem(
                    id: ID(client: 1, clock: 2), length: 3, origin: ID(client: 1, clock: 1), rightOrigin: nil,
                    parent: nil, parentSub: nil, content: .deleted))
        ] {
            try doc.applyUpdate(UpdateCodec.encode(DecodedUpdate(blocks: [(1, [s])], ds: DeleteSet())))
        }
        try doc.applyUpdate(state)
        XCTAssertEqual(try Snapshot(doc), before)
    }

    func testPendingStructsAreComparedToo() throws {
        // Client 2's item depends on client 1, which never came: it waits pending.
        let a = Doc(clientID: 1)
        a.getText().insert("abc", at: 0)
        let b = Doc(clientID: 2)
        try b.applyUpdate(try a.encodeStateAsUpdate())
        b.getText().insert("XYZ", at: 1)
        let onlyB = try YUpdate.diff(try b.encodeStateAsUpdate(), against: a.encodeStateVector())
        let doc = Doc(clientID: 3)
        try doc.applyUpdate(onlyB)
        XCTAssertTrue(doc.hasPending)
        let before = try Snapshot(doc)
        try doc.applyUpdate(onlyB)  // the same again: accepted
        XCTAssertEqual(try Snapshot(doc), before)

        var forged = try UpdateCodec.decode(onlyB)
        guard case var .item(w) = forged.blocks[0].structs[0] else { return XCTFail("no item") }
        w.content = .string(Array("XQZ".utf16))
        forged.blocks[0].structs[0] = .item(w)
        XCTAssertThrowsError(try doc.applyUpdate(UpdateCodec.encode(forged))) { error in
            guard case let .conflictingStruct(c)? = error as? YCRDTError else { return XCTFail("\(error)") }
            XCTAssertTrue(c.pending)
            XCTAssertEqual(c.field, .content)
        }
        XCTAssertEqual(try Snapshot(doc), before)
        try doc.applyUpdate(try a.encodeStateAsUpdate())
        XCTAssertEqual(doc.getText().toString(), "aXYZbc")
    }

    func testSurrogateHalvesSplitElsewhereStillMatch() throws {
        let a = Doc(clientID: 1)
        a.getText().insert("a😀b", at: 0)
        let whole = try a.encodeStateAsUpdate()
        // A replica that split the pair (both halves become U+FFFD there) sends it back.
        let split = Doc(clientID: 2)
        try split.applyUpdate(whole)
        split.getText().insert("|", at: 2)
        try a.applyUpdate(try split.encodeStateAsUpdate())
        XCTAssertEqual(a.getText().length, 5)
        try split.applyUpdate(whole)
    }

    // MARK: - The differential over random corruptions

    /// A sequence of valid updates; any prefix applied in order is a valid document.
    private struct Session {
        var gc: Bool
        var updates: [[UInt8]]
    }

    /// Valid update sequences: every case of updates.json (maps, arrays, XML, subdocuments,
    /// formats, surrogates, pending), plus random multi-client text sessions.
    private func sessions(_ rng: inout SplitMix64) throws -> [Session] {
        var out: [Session] = []
        for c in try Vectors.load("updates.json")["cases"]!.arrayValue {
            var updates = c["updates"]!.arrayValue.map { hex($0["hex"]!.stringValue!) }
            updates.append(hex(c["state_as_update"]!.stringValue!))
            out.append(Session(gc: c["gc"]?.boolValue ?? true, updates: updates))
        }
        let words = ["a", "ب", "😀", "ّ", " ", "hello", "مرحبا", "\n", "x", "中"]
        for seed in 0..<12 {
            let gc = seed % 2 == 0
            let docs = (0..<3).map { Doc(clientID: ClientID(100 + $0 * 1000 + seed), gc: gc) }
            var updates: [[UInt8]] = []
            for d in docs { d.onUpdate { u, origin in if origin == nil { updates.append(u) } } }
            for _ in 0..<40 {
                let d = docs.randomElement(using: &rng)!
                let name = Int.random(in: 0..<4, using: &rng) == 0 ? "notes" : "content"
                let text = d.getText(name)
                switch Int.random(in: 0..<8, using: &rng) {
                case 0..<4:
                    text.insert(
                        words.randomElement(using: &rng)!, at: Int.random(in: 0...text.length, using: &rng),
                        attributes: Bool.random(using: &rng) ? nil : ["i": .bool(true)])
                case 4...5 where text.length > 0:
                    text.delete(
                        at: Int.random(in: 0..<text.length, using: &rng), length: Int.random(in: 1...3, using: &rng))
                case 6 where text.length > 0:
                    text.format(
                        at: Int.random(in: 0..<text.length, using: &rng), length: 2,
                        attributes: ["b": Bool.random(using: &rng) ? .null : .int(1)])
                default:
                    let from = docs.randomElement(using: &rng)!
                    try d.applyUpdate(try from.encodeStateAsUpdate(since: d.encodeStateVector()), origin: "sync")
                }
            }
            updates.append(try docs[0].encodeStateAsUpdate())
            out.append(Session(gc: gc, updates: updates))
        }
        return out.filter { !$0.updates.isEmpty }
    }

    private func corrupt(_ bytes: [UInt8], donor: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var b = bytes
        guard !b.isEmpty else { return donor }
        switch Int.random(in: 0..<10, using: &rng) {
        case 0..<5:  // one to three bit flips
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                b[Int.random(in: 0..<b.count, using: &rng)] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            }
        case 5, 6:  // a splice: a range replaced by a range of another valid update
            let at = Int.random(in: 0..<b.count, using: &rng)
            let len = Int.random(in: 0...min(8, b.count - at), using: &rng)
            let from = donor.isEmpty ? 0 : Int.random(in: 0..<donor.count, using: &rng)
            let piece =
                donor.isEmpty ? [] : Array(donor[from..<min(donor.count, from + Int.random(in: 1...8, using: &rng))])
            b.replaceSubrange(at..<(at + len), with: piece)
        case 7:  // truncation
            b = Array(b[0..<Int.random(in: 0..<b.count, using: &rng)])
        case 8:  // a byte changed to a random value
            b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
        default:  // a byte inserted or removed
            let at = Int.random(in: 0..<b.count, using: &rng)
            if Bool.random(using: &rng) {
                b.insert(UInt8.random(in: 0...255, using: &rng), at: at)
            } else {
                b.remove(at: at)
            }
        }
        return b
    }

    func testRandomCorruptionsAreRefusedOrLoadBackUnchanged() throws {
        var rng = SplitMix64(seed: 0x51_4A1A)
        let corpus = try sessions(&rng)
        var accepted = 0
        var refusedAsMalformed = 0
        var refusedAsConflicting = 0
        var failures: [String] = []
        for round in 0..<4_000 {
            let session = corpus.randomElement(using: &rng)!
            let applied = Int.random(in: 0...session.updates.count, using: &rng)
            let doc = Doc(clientID: 77, gc: session.gc)
            for u in session.updates[0..<applied] { try doc.applyUpdate(u) }
            let target = session.updates.randomElement(using: &rng)!
            let donor = corpus.randomElement(using: &rng)!.updates.randomElement(using: &rng)!
            let bytes = corrupt(target, donor: donor, &rng)
            let before = try Snapshot(doc)
            do {
                try doc.applyUpdate(bytes)
            } catch let error as YCRDTError {
                if case .conflictingStruct = error { refusedAsConflicting += 1 } else { refusedAsMalformed += 1 }
                if try Snapshot(doc) != before {
                    failures.append("round \(round): refused (\(error)) but changed the doc")
                }
                continue
            }
            accepted += 1
            let state = try doc.encodeStateAsUpdate()
            let reloaded = Doc(clientID: 78, gc: session.gc)
            do {
                try reloaded.applyUpdate(state)
            } catch {
                failures.append("round \(round): its state does not load: \(error)")
                continue
            }
            if reloaded.contentDigest() != doc.contentDigest() {
                failures.append("round \(round): reloaded content differs, input \(hex(bytes))")
            }
            if reloaded.encodeStateVector() != doc.encodeStateVector() {
                failures.append("round \(round): reloaded state vector differs, input \(hex(bytes))")
            }
        }
        print(
            "corruption differential: \(accepted) accepted, \(refusedAsMalformed) refused as malformed, "
                + "\(refusedAsConflicting) refused as conflicting with known ids, \(failures.count) failures")
        XCTAssertEqual(failures, [], failures.prefix(5).joined(separator: "\n"))
        XCTAssertGreaterThan(refusedAsConflicting, 50, "too few conflicting updates to exercise the check")
        XCTAssertGreaterThan(accepted, 300)
    }
}
