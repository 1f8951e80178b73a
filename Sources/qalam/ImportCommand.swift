import ArgumentParser
import DocumentStorage
import Foundation
import Persistence

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Replace a document's text with a UTF-8 file.",
        discussion:
            "The replacement is one Yjs transaction merge-saved under the document's lock: editors who have the document open receive it as an ordinary edit, and other content of the document is kept."
    )

    @Argument(help: "The document: its name or UUID.")
    var document: String

    @Argument(help: "The UTF-8 text file to import, or - for standard input.")
    var file: String

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let bytes: [UInt8]
        do {
            bytes =
                file == "-"
                ? Array(FileHandle.standardInput.readDataToEndOfFile())
                : Array(try Data(contentsOf: URL(fileURLWithPath: file)))
        } catch {
            throw ValidationError("cannot read \(file): \(error.localizedDescription)")
        }
        let id = DocumentID(name: document)
        let store = try await database.location().open()
        let outcome: DocumentText.ImportOutcome
        do {
            outcome = try await DocumentText.importText(bytes, into: id, store: store)
        } catch {
            await store.close()
            throw error
        }
        await store.close()
        switch outcome {
        case .replaced:
            print("Imported \(file) into \(document) (\(id)).")
        case .unchanged:
            print("\(document) already holds exactly that text; nothing was written.")
        }
    }
}
