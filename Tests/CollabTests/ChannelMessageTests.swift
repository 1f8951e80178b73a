import Realtime
import RealtimeProtocol
import XCTest

@testable import Collab

final class ChannelMessageTests: XCTestCase {
    func testUpdateIsSentAsTheWebAppsNumberArray() {
        let message = ChannelMessage.update([1, 2, 255])
        XCTAssertEqual(message.event, "yjs-update")
        XCTAssertEqual(message.payload.jsonString, #"{"update":[1,2,255]}"#)
    }

    func testUpdateIsAcceptedAsNumberArrayBase64OrBinary() throws {
        let bytes: [UInt8] = [0, 1, 2, 200, 255]
        let forms: [UserPayload] = [
            .json(["update": JSONValue(bytes: bytes)]),
            .json(["update": .string(Data(bytes).base64EncodedString())]),
            .binary(bytes),
            .json(JSONValue(bytes: bytes))
        ]
        for form in forms {
            XCTAssertEqual(try ChannelMessage.decode(event: "yjs-update", payload: form), .update(bytes), "\(form)")
        }
    }

    func testMalformedUpdatesAreRefusedWithAReason() {
        let bad: [UserPayload] = [
            .json(["update": [1, 2, 256]]),
            .json(["update": [1, -1]]),
            .json(["update": [1.5]]),
            .json(["update": "not base64!"]),
            .json(["other": [1]]),
            .json("text")
        ]
        for payload in bad {
            XCTAssertThrowsError(try ChannelMessage.decode(event: "yjs-update", payload: payload), "\(payload)") {
                error in
                guard case CollabError.malformedMessage(event: "yjs-update", _) = error else {
                    return XCTFail("unexpected \(error)")
                }
            }
        }
    }

    func testUnknownEventsAreNotOurs() throws {
        XCTAssertNil(try ChannelMessage.decode(event: "cursor", payload: .json(["x": 1])))
    }

    func testSyncMessagesRoundTrip() throws {
        let step1 = ChannelMessage.syncStep1(SyncRequest(peer: "p1", request: "r1", stateVector: [1, 5, 3]))
        let step2 = ChannelMessage.syncStep2(
            SyncAnswer(
                peer: "p2", request: "r1", to: "p1", update: [0, 0],
                stateVector: [1, 5, 9], part: 1, parts: 3))
        for message in [step1, step2, ChannelMessage.awareness([1, 2, 3])] {
            let decoded = try ChannelMessage.decode(event: message.event, payload: .json(message.payload))
            XCTAssertEqual(decoded, message)
            XCTAssertEqual(message.payload["protocol"], .integer(1))
        }
    }

    func testANewerProtocolIsRefusedLoudly() {
        var payload = ChannelMessage.syncStep1(SyncRequest(peer: "p", request: "r", stateVector: [0])).payload
            .objectValue!
        payload["protocol"] = 2
        XCTAssertThrowsError(try ChannelMessage.decode(event: "yjs-sync-step1", payload: .json(.object(payload)))) {
            error in
            XCTAssertEqual(error as? CollabError, .protocolMismatch(event: "yjs-sync-step1", theirs: 2, ours: 1))
            XCTAssertTrue("\(error)".contains("upgrade"))
        }
    }

    func testImpossiblePartNumbersAreRefused() {
        var payload = ChannelMessage.syncStep2(
            SyncAnswer(
                peer: "p", request: "r", to: "q", update: [0, 0],
                stateVector: [0], part: 0, parts: 1)
        ).payload.objectValue!
        payload["part"] = 3
        payload["parts"] = 2
        XCTAssertThrowsError(try ChannelMessage.decode(event: "yjs-sync-step2", payload: .json(.object(payload))))
    }
}
