import ArgumentParser

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "(not built yet)")

    func run() async throws {
        throw ValidationError("qalam import is not available in this build yet")
    }
}
