import ArgumentParser

struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "db", abstract: "Manage the document database.")

    func run() async throws {
        throw ValidationError("qalam db is not available in this build yet")
    }
}
