import TestSupport
import XCTest

@testable import YCRDT

/// The delta of a remote transaction, replayed on a shadow copy of the text and
/// its attributes, gives what the document holds: over random inserts, deletes,
/// formats and embeds from another replica, batched as a provider would send them.
final class RemoteDeltaTests: XCTestCase {

    /// One UTF-16 unit (or embed) of the shadow with the attributes it carries.
    private struct Unit: Equatable {
        var value: String
        var attributes: [String: AnyValue]
    }

    private func units(of delta: [TextDelta]) -> [Unit] {
        var result: [Unit] = []
        for op in delta {
            switch op {
            case let .insert(text, attributes):
                for unit in text.utf16 { result.append(Unit(value: String(unit), attributes: attributes)) }
            case let .embed(value, attributes):
                result.append(Unit(value: "embed \(value)", attributes: attributes))
            case .retain, .delete:
                XCTFail("a document's delta holds inserts only")
            }
        }
        return result
    }

    private func replay(_ delta: [TextDelta], on shadow: inout [Unit]) {
        var index = 0
        for op in delta {
            switch op {
            case let .retain(count, attributes):
                for i in index..<(index + count) {
                    for (key, value) in attributes {
                        if value.isNull {
                            shadow[i].attributes[key] = nil
                        } else {
                            shadow[i].attributes[key] = value
                        }
                    }
                }
                index += count
            case .insert, .embed:
                let inserted = units(of: [op])
                shadow.insert(contentsOf: inserted, at: index)
                index += inserted.count
            case let .delete(count):
                shadow.removeSubrange(index..<(index + count))
            }
        }
    }

    func testRemoteDeltasReplayToTheDocument() throws {
        for seed in UInt64(1)...12 {
            var rng = SplitMix64(seed: seed)
            let editor = Doc(clientID: 1)
            let peer = Doc(clientID: 2)
            let text = editor.getText("content")
            var shadow: [Unit] = []
            var events = 0
            text.observe { [self] event in
                XCTAssertFalse(event.isLocal)
                replay(event.delta, on: &shadow)
                events += 1
            }
            var batch: [[UInt8]] = []
            _ = peer.onUpdate { update, _ in batch.append(update) }
            let peerText = peer.getText("content")
            // Plain text for the first seeds, formats and embeds for the rest.
            let formats = seed > 4
            for step in 0..<300 {
                let length = peerText.length
                let roll = Int.random(in: 0..<10, using: &rng)
                if roll < 5 || length == 0 {
                    let word = ["abc ", "سلام ", "x", "\n", "كَتَبَ "].randomElement(using: &rng)!
                    let at = Int.random(in: 0...length, using: &rng)
                    let attributes: [String: AnyValue]? =
                        formats && Bool.random(using: &rng) ? ["bold": .bool(true)] : nil
                    peerText.insert(word, at: at, attributes: attributes)
                } else if roll < 8 {
                    let at = Int.random(in: 0..<length, using: &rng)
                    peerText.delete(at: at, length: min(Int.random(in: 1...6, using: &rng), length - at))
                } else if formats && roll == 8 {
                    let at = Int.random(in: 0..<length, using: &rng)
                    let value: AnyValue = Bool.random(using: &rng) ? .bool(true) : .null
                    peerText.format(
                        at: at, length: min(Int.random(in: 1...8, using: &rng), length - at),
                        attributes: ["italic": value])
                } else if formats {
                    peerText.insertEmbed(.string("image"), at: Int.random(in: 0...length, using: &rng))
                }
                // A provider's batch: a few transactions merged, then sent.
                if step % 4 == 3 {
                    try editor.applyUpdate(try YUpdate.merge(batch), origin: "remote")
                    batch.removeAll()
                    XCTAssertEqual(
                        shadow, units(of: text.toDelta()), "seed \(seed), step \(step): the deltas replayed differ")
                }
            }
            XCTAssertEqual(text.toString(), peerText.toString(), "seed \(seed)")
            XCTAssertGreaterThan(events, 50, "seed \(seed)")
        }
    }
}
