import XCTest

final class RealtimeTestsPlaceholder: XCTestCase {}
