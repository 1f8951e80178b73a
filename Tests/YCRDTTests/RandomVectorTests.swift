import XCTest

@testable import YCRDT

/// The 30 seeded fuzz scenarios of `random.json`, replayed with real local operations
/// and out-of-order, duplicated deliveries; the text hash is checked after every event.
final class RandomVectorTests: XCTestCase {
    func testEveryScenarioMatchesYjsAfterEveryEvent() throws {
        let root = try Vectors.loadOrdered("random.json")
        let scenarios = root["scenarios"]!.arrayValue
        XCTAssertEqual(scenarios.count, 30)
        for sc in scenarios {
            try replay(sc)
        }
    }

    private func replay(_ sc: AnyValue) throws {
        let name = sc["name"]!.stringValue!
        let gc = sc["gc"]?.boolValue ?? true
        let updates = sc["updates"]!.arrayValue.map { $0["hex"]!.stringValue! }
        var docs: [Int: Doc] = [:]
        var emitted: [Int: [String]] = [:]
        for cl in sc["clients"]!.arrayValue.map({ $0.intValue! }) {
            let d = Doc(clientID: ClientID(cl), gc: gc)
            _ = d.getText("content")
            d.onUpdate { u, origin in if origin != AnyHashable("remote") { emitted[cl, default: []].append(hex(u)) } }
            docs[cl] = d
        }
        var failures = 0
        for (ei, ev) in sc["events"]!.arrayValue.enumerated() {
            let op = ev["op"]!.stringValue!
            let cl = (ev["client"] ?? ev["to"])!.intValue!
            let doc = docs[cl]!
            let text = doc.getText("content")
            emitted[cl] = []
            switch op {
            case "insert":
                text.insert(
                    Array(ev["text"]!.stringValue!.utf16), at: ev["index"]!.intValue!,
                    attributes: orderedAttrs(ev["attrs"]))
            case "delete":
                text.delete(at: ev["index"]!.intValue!, length: ev["len"]!.intValue!)
            case "format":
                text.format(
                    at: ev["index"]!.intValue!, length: ev["len"]!.intValue!, attributes: orderedAttrs(ev["attrs"])!)
            case "apply":
                try doc.applyUpdate(hex(updates[ev["update"]!.intValue!]), origin: "remote")
            default:
                XCTFail("\(name): unknown op \(op)")
            }
            let want = (ev["emits"]?.arrayValue ?? []).map { updates[$0.intValue!] }
            let units = text.toUTF16()
            let ok =
                (emitted[cl] ?? []) == want && units.count == ev["len_after"]!.intValue!
                && fnv1a(UTF.utf8(fromUTF16: units)) == ev["h_after"]!.stringValue!
            if !ok {
                failures += 1
                XCTAssertEqual(emitted[cl] ?? [], want, "\(name) event \(ei) (\(op)): emitted")
                XCTAssertEqual(units.count, ev["len_after"]!.intValue!, "\(name) event \(ei) (\(op)): length")
                XCTAssertEqual(
                    fnv1a(UTF.utf8(fromUTF16: units)), ev["h_after"]!.stringValue!,
                    "\(name) event \(ei) (\(op)): text hash")
                if failures > 3 { return }
            }
        }
        for (_, doc) in docs {
            let text = doc.getText("content")
            XCTAssertEqual(text.toString(), sc["final_text"]!.stringValue!, "\(name): final text")
            if let fd = sc["final_delta"] {
                assertDeltaEqual(text.toDelta(), delta(fromJSON: stripOrder(fd)), "\(name): final delta")
            }
            XCTAssertEqual(
                hex(doc.encodeStateVector()), sc["final_state_vector"]!.stringValue!, "\(name): state vector")
            XCTAssertFalse(doc.hasPending, name)
        }
        // The final state is recorded from one replica; an observer applying it must agree.
        let obs = Doc(clientID: 999_999_999, gc: gc)
        try obs.applyUpdate(hex(sc["final_state_as_update"]!.stringValue!))
        XCTAssertEqual(obs.getText().toString(), sc["final_text"]!.stringValue!, name)
        // The recorded final state comes from an observer that applied every update in index
        // order (or, for some scenarios, from one of the replicas): one of them must match.
        let inOrder = Doc(clientID: 999_999_999, gc: gc)
        _ = inOrder.getText()
        for u in updates { try inOrder.applyUpdate(hex(u)) }
        let want = sc["final_state_as_update"]!.stringValue!
        let candidates = [inOrder] + Array(docs.values)
        XCTAssertTrue(
            candidates.contains { (try? $0.encodeStateAsUpdate()).map(hex) == want },
            "\(name): neither the in-order observer nor a replica encodes the recorded final state")
    }
}
