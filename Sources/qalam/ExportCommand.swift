import ArgumentParser
import DocumentStorage
import Foundation
import Persistence

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a document's text as plain UTF-8.",
        discussion: "Reads the root Y.Text \"content\" of the stored document, with every stored row merged."
    )

    @Argument(help: "The document: its name or UUID.")
    var document: String

    @Option(
        name: [.short, .long], help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
    var output: String?

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let store = try await database.location().open()
        let text: String
        do {
            text = try await DocumentText.export(DocumentID(name: document), from: store)
        } catch {
            await store.close()
            throw error
        }
        await store.close()
        let bytes = Data(text.utf8)
        if let output, output != "-" {
            do {
                try bytes.write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                throw ValidationError("cannot write \(output): \(error.localizedDescription)")
            }
        } else {
            FileHandle.standardOutput.write(bytes)
        }
    }
}
