import ArgumentParser

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "(not built yet)")

    func run() async throws {
        throw ValidationError("qalam export is not available in this build yet")
    }
}
