import XCTest

final class PersistenceTestsPlaceholder: XCTestCase {}
