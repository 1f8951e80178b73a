import TestSupport
import XCTest

@testable import YCRDT

/// Creating and resolving relative positions through the search markers must give exactly
/// what a walk over the whole item list gives, for every index and both assoc values, on
/// fragmented documents (several clients, interleaved runs, deletes, surrogate pairs).
final class RelativePositionSearchTests: XCTestCase {

    /// Yjs `createRelativePositionFromTypeIndex`, written out as the plain walk from the start.
    func referenceItem(_ branch: Branch, _ index: Int, _ assoc: Int) -> ID? {
        var index = index
        if assoc < 0 {
            if index == 0 { return nil }
            index -= 1
        }
        var t = branch.start
        while let it = t {
            if !it.deleted && it.countable {
                if it.length > index { return ID(client: it.id.client, clock: it.id.clock + index) }
                index -= it.length
            }
            if it.right == nil && assoc < 0 { return it.lastID }
            t = it.right
        }
        return nil
    }

    /// Yjs `createAbsolutePositionFromRelativePosition`, summing every item to the left.
    func referenceIndex(_ doc: Doc, _ pos: RelativePosition) -> Int? {
        guard let id = pos.item else { return pos.assoc >= 0 ? doc.getText().length : 0 }
        guard doc.store.state(id.client) > id.clock,
            let (right, diff) = RelativePosition.followRedone(doc.store, id), !right.isGC
        else { return nil }
        var index = (right.deleted || !right.countable) ? 0 : diff + (pos.assoc >= 0 ? 0 : 1)
        var n = right.left
        while let x = n {
            if !x.deleted && x.countable { index += x.length }
            n = x.left
        }
        return index
    }

    func randomWord(_ rng: inout SplitMix64) -> String {
        ["a", "ب", "😀", " ", "hello", "مرحبا", "👍🏽", "\n", "xyz", "é"].randomElement(using: &rng)!
    }

    func edit(_ doc: Doc, _ rng: inout SplitMix64) {
        let text = doc.getText()
        if text.length > 20 && Int.random(in: 0..<3, using: &rng) == 0 {
            let at = Int.random(in: 0..<text.length, using: &rng)
            text.delete(at: at, length: min(Int.random(in: 1...6, using: &rng), text.length - at))
        } else {
            text.insert(randomWord(&rng), at: Int.random(in: 0...text.length, using: &rng))
        }
    }

    func sync(_ docs: [Doc]) throws {
        for a in docs {
            for b in docs where a !== b {
                try b.applyUpdate(a.encodeStateAsUpdate(since: b.encodeStateVector()))
            }
        }
    }

    /// Compares the marker path with the full walk for every index (and a little past both
    /// ends), both assoc values, and every clock of every item (deleted ones included).
    func checkAgainstFullWalk(_ doc: Doc, file: StaticString = #filePath, line: UInt = #line) {
        let text = doc.getText()
        let branch = text.branch
        XCTAssertNotNil(branch.trustedMarkers(doc), "the marker path is not exercised", file: file, line: line)
        for index in -1...(text.length + 2) {
            for assoc in [0, -1] {
                let pos = RelativePosition(text: text, index: index, assoc: assoc)
                XCTAssertEqual(
                    pos.item, referenceItem(branch, index, assoc), "create index \(index) assoc \(assoc)", file: file,
                    line: line)
                XCTAssertEqual(
                    pos.absoluteIndex(in: doc), referenceIndex(doc, pos), "resolve index \(index) assoc \(assoc)",
                    file: file, line: line)
                if assoc >= 0 && index >= 0 && index < text.length {
                    XCTAssertEqual(pos.absoluteIndex(in: doc), index, file: file, line: line)
                }
            }
        }
        var t = branch.start
        while let it = t {
            for clock in it.id.clock..<(it.id.clock + it.length) {
                for assoc in [0, -1] {
                    let pos = RelativePosition(
                        tname: "content", item: ID(client: it.id.client, clock: clock), assoc: assoc)
                    XCTAssertEqual(
                        pos.absoluteIndex(in: doc), referenceIndex(doc, pos),
                        "resolve \(it.id.client):\(clock) assoc \(assoc)", file: file, line: line)
                }
            }
            t = it.right
        }
    }

    func testMarkerPathMatchesFullWalkOnFragmentedDocuments() throws {
        for seed in 1...8 {
            var rng = SplitMix64(seed: UInt64(seed))
            let docs = [Doc(clientID: 11, gc: seed % 2 == 0), Doc(clientID: 2_000_000_000), Doc(clientID: 5)]
            for round in 0..<12 {
                for d in docs {
                    for _ in 0..<Int.random(in: 5...25, using: &rng) { edit(d, &rng) }
                }
                try sync(docs)
                // Local edits after the remote ones leave markers spread over the text.
                for _ in 0..<Int.random(in: 5...40, using: &rng) { edit(docs[0], &rng) }
                if round % 4 == 3 { checkAgainstFullWalk(docs[0]) }
            }
            XCTAssertEqual(docs[0].getText().length, docs[0].getText().toUTF16().count)
        }
    }

    func testInsideATransactionTheFullWalkIsUsed() throws {
        var rng = SplitMix64(seed: 99)
        let a = Doc(clientID: 1)
        let b = Doc(clientID: 2)
        for _ in 0..<200 {
            edit(a, &rng)
            edit(b, &rng)
        }
        try sync([a, b])
        for _ in 0..<30 { edit(a, &rng) }
        XCTAssertNotNil(a.getText().branch.trustedMarkers(a))
        for _ in 0..<30 { edit(b, &rng) }
        let more = try b.encodeStateAsUpdate(since: a.encodeStateVector())
        // The remote items move text under the markers; until the transaction ends the
        // markers are not trusted and positions still match the full walk.
        a.transact { _ in
            try? a.applyUpdate(more)
            let text = a.getText()
            XCTAssertNil(text.branch.trustedMarkers(a))
            for index in 0...text.length {
                for assoc in [0, -1] {
                    let pos = RelativePosition(text: text, index: index, assoc: assoc)
                    XCTAssertEqual(pos.item, referenceItem(text.branch, index, assoc))
                    XCTAssertEqual(pos.absoluteIndex(in: a), referenceIndex(a, pos))
                }
            }
        }
    }

    func testEmptyTextAndEnds() {
        let doc = Doc(clientID: 4)
        let text = doc.getText()
        XCTAssertNil(RelativePosition(text: text, index: 0, assoc: 0).item)
        XCTAssertNil(RelativePosition(text: text, index: 3, assoc: -1).item)
        text.insert("ab😀", at: 0)
        text.insert("cd", at: 1)
        text.delete(at: 4, length: 2)  // "acdb" with a deleted surrogate pair at the end
        checkAgainstFullWalk(doc)
        // Past the end with assoc < 0 sticks to the last item even though it is deleted.
        XCTAssertEqual(RelativePosition(text: text, index: 9, assoc: -1).item, ID(client: 4, clock: 3))
    }
}
