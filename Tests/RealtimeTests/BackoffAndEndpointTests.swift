import Foundation
import XCTest

@testable import Realtime

final class BackoffTests: XCTestCase {
    func testReconnectDefaultIsRealtimeJsSchedule() {
        let delays = (1...7).map { Backoff.reconnectDefault.delay(forAttempt: $0) }
        XCTAssertEqual(
            delays, [.seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(10), .seconds(10), .seconds(10)])
    }

    func testRejoinDefaultIsPhoenixSchedule() {
        let delays = (1...5).map { Backoff.rejoinDefault.delay(forAttempt: $0) }
        XCTAssertEqual(delays, [.seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(10)])
    }

    func testOutOfRangeAttemptsAndEmptySchedules() {
        XCTAssertEqual(Backoff.reconnectDefault.delay(forAttempt: 0), .seconds(1))
        XCTAssertEqual(Backoff.reconnectDefault.delay(forAttempt: -3), .seconds(1))
        XCTAssertEqual(Backoff([], then: .milliseconds(7)).delay(forAttempt: 1), .milliseconds(7))
        XCTAssertEqual(Backoff.constant(.milliseconds(50)).delay(forAttempt: 99), .milliseconds(50))
    }
}

final class EndpointTests: XCTestCase {
    private func endpoint(_ base: String, vsn: String = "2.0.0", params: [String: String] = [:]) throws -> String {
        try RealtimeEndpoint.url(base: URL(string: base)!, apiKey: "KEY", vsn: vsn, params: params).absoluteString
    }

    func testProjectURLsBecomeSocketURLs() throws {
        XCTAssertEqual(
            try endpoint("http://127.0.0.1:4000"), "ws://127.0.0.1:4000/realtime/v1/websocket?apikey=KEY&vsn=2.0.0")
        XCTAssertEqual(
            try endpoint("https://xyz.supabase.co/"), "wss://xyz.supabase.co/realtime/v1/websocket?apikey=KEY&vsn=2.0.0"
        )
        XCTAssertEqual(
            try endpoint("https://example.com/proxy", vsn: "1.0.0"),
            "wss://example.com/proxy/realtime/v1/websocket?apikey=KEY&vsn=1.0.0")
    }

    func testSocketURLsAreKeptAndVsnComesLast() throws {
        XCTAssertEqual(
            try endpoint("wss://xyz.supabase.co/realtime/v1"),
            "wss://xyz.supabase.co/realtime/v1/websocket?apikey=KEY&vsn=2.0.0")
        XCTAssertEqual(
            try endpoint("ws://h:1/realtime/v1/websocket?apikey=OLD&vsn=1.0.0", params: ["log_level": "info"]),
            "ws://h:1/realtime/v1/websocket?apikey=KEY&log_level=info&vsn=2.0.0")
    }

    func testUnusableURLsAreRefused() {
        XCTAssertThrowsError(try endpoint("ftp://example.com")) { error in
            guard case RealtimeError.invalidURL = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try endpoint("file:///tmp/x"))
        XCTAssertThrowsError(try RealtimeClient(url: URL(string: "mailto:a@b.c")!, apiKey: "k"))
    }
}
