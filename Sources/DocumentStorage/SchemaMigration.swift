/// One step of a store's schema, applied at most once, in version order, and
/// recorded in the `qalam_schema_migrations` table of the database.
public struct SchemaMigration: Sendable {
    /// The order of the step.
    public let version: Int
    /// The migration file's path under `Resources/migrations/`.
    public let file: String
    /// The SQL, byte for byte the file's text (a test checks they do not drift).
    public let sql: String

    public init(version: Int, file: String, sql: String) {
        self.version = version
        self.file = file
        self.sql = sql
    }
}
