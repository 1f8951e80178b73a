import Persistence
import XCTest

final class StoreLocationTests: XCTestCase {
    func testForms() throws {
        let environment = ["HOME": "/home/w", "XDG_DATA_HOME": "/tmp/qalam-store-location-\(UUID())"]
        XCTAssertEqual(
            try StoreLocation.resolve(databaseURL: "postgres://u@h/db", environment: environment),
            .postgres("postgres://u@h/db"))
        XCTAssertEqual(
            try StoreLocation.resolve(databaseURL: "postgresql://u@h/db?sslmode=require", environment: environment),
            .postgres("postgresql://u@h/db?sslmode=require"))
        XCTAssertEqual(
            try StoreLocation.resolve(
                databaseURL: "host=db dbname=qalam sslmode=verify-full", environment: environment),
            .postgres("host=db dbname=qalam sslmode=verify-full"))
        XCTAssertEqual(
            try StoreLocation.resolve(databaseURL: "sqlite:///var/q.sqlite3", environment: environment),
            .sqlite(path: "/var/q.sqlite3"))
        XCTAssertEqual(
            try StoreLocation.resolve(databaseURL: "sqlite:rel/q.db", environment: environment),
            .sqlite(path: "rel/q.db"))
        XCTAssertEqual(
            try StoreLocation.resolve(databaseURL: "./notes.sqlite3", environment: environment),
            .sqlite(path: "./notes.sqlite3"))
        XCTAssertThrowsError(try StoreLocation.resolve(databaseURL: "mysql://nope", environment: environment))
        XCTAssertThrowsError(try StoreLocation.resolve(databaseURL: "sqlite:", environment: environment))
    }

    func testFlagBeatsEnvironmentBeatsDefault() throws {
        let dataHome = "/tmp/qalam-store-location-\(UUID())"
        defer { try? FileManager.default.removeItem(atPath: dataHome) }
        var environment = ["XDG_DATA_HOME": dataHome, "DATABASE_URL": "postgres://env/db"]
        XCTAssertEqual(
            try StoreLocation.resolve(databaseURL: "postgres://flag/db", environment: environment),
            .postgres("postgres://flag/db"))
        XCTAssertEqual(
            try StoreLocation.resolve(databaseURL: nil, environment: environment), .postgres("postgres://env/db"))
        environment["DATABASE_URL"] = nil
        XCTAssertEqual(
            try StoreLocation.resolve(databaseURL: nil, environment: environment),
            .sqlite(path: dataHome + "/qalam/qalam.sqlite3"))
    }

    func testDescriptionHidesPasswords() {
        XCTAssertFalse(StoreLocation.postgres("postgres://u:secret@h/db").description.contains("secret"))
        XCTAssertFalse(StoreLocation.postgres("host=h password=secret").description.contains("secret"))
        XCTAssertThrowsError(try StoreLocation.resolve(databaseURL: "mysql://u:secret@h/db", environment: [:])) {
            error in
            let message = String(describing: error)
            XCTAssertFalse(message.contains("secret"), message)
            XCTAssertTrue(message.contains("mysql://u:***@h/db"), message)
        }
    }
}
