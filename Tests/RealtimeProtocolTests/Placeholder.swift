import XCTest

final class RealtimeProtocolTestsPlaceholder: XCTestCase {}
