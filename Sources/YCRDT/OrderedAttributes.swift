/// A string-keyed map that remembers insertion order, like a JavaScript `Map`. Yjs's
/// formatting code iterates its attribute maps, and the order decides which format
/// items are inserted first.
struct OrderedAttributes: Equatable {
    private(set) var keys: [String] = []
    private var values: [String: AnyValue] = [:]

    init() {}

    init(_ pairs: [(String, AnyValue)]) {
        for (k, v) in pairs { self[k] = v }
    }

    var isEmpty: Bool { keys.isEmpty }
    var count: Int { keys.count }

    subscript(key: String) -> AnyValue? {
        get { values[key] }
        set {
            if let v = newValue {
                if values.updateValue(v, forKey: key) == nil { keys.append(key) }
            } else if values.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    var pairs: [(String, AnyValue)] { keys.map { ($0, values[$0]!) } }
    var dictionary: [String: AnyValue] { values }
}
