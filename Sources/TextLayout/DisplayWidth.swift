#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Display widths in terminal cells, as ncurses measures them.
///
/// ncurses asks the C library's `wcwidth()`, so this does too: a private table would
/// disagree with it on some character and the caret would drift. `wcwidth` depends on
/// the locale; the calls are made under a thread-local UTF-8 locale so the answers do
/// not depend on whether the host program called `setlocale`.
public enum DisplayWidth {
    /// The width of one scalar: 0 for combining marks and format characters, 2 for
    /// East Asian wide characters and most emoji, -1 for control characters.
    public static func of(_ scalar: Unicode.Scalar) -> Int {
        withUTF8Locale { raw(scalar.value) }
    }

    /// The width of a string drawn cell by cell (controls count as one cell each, as
    /// the layout shows them as control pictures).
    public static func of(_ string: String) -> Int {
        withUTF8Locale {
            string.unicodeScalars.reduce(0) { sum, scalar in
                let w = raw(scalar.value)
                return sum + (w < 0 ? 1 : w)
            }
        }
    }

    /// `wcwidth` without the locale switch; callers wrap a whole paragraph in
    /// `withUTF8Locale` so the switch is paid once.
    @inline(__always)
    static func raw(_ value: UInt32) -> Int {
        if value >= 0x20 && value < 0x7F { return 1 }
        return Int(cWcwidth(Int32(bitPattern: value)))
    }

    /// glibc declares `wcwidth` only under `_XOPEN_SOURCE`, which the Glibc module map
    /// does not define, so the symbol is looked up once at run time instead.
    private static let cWcwidth: @convention(c) (Int32) -> Int32 = {
        if let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "wcwidth") {
            return unsafeBitCast(symbol, to: (@convention(c) (Int32) -> Int32).self)
        }
        // Unreachable on glibc and Darwin; keeps layout usable (everything one cell).
        return { value in value < 0x20 || value == 0x7F ? -1 : 1 }
    }()

    /// Runs `body` with a UTF-8 `LC_CTYPE` on this thread, restoring the previous one.
    static func withUTF8Locale<T>(_ body: () -> T) -> T {
        guard let locale = utf8Locale else { return body() }
        let previous = uselocale(locale)
        defer { if let previous { uselocale(previous) } }
        return body()
    }

    /// A UTF-8 character-type locale; `C.UTF-8` exists on every glibc since 2.35 and on
    /// Debian before that. Without one, the process locale is used as it is.
    private static let utf8Locale: locale_t? = {
        for name in ["C.UTF-8", "C.utf8", "en_US.UTF-8"] {
            if let loc = newlocale(Int32(LC_CTYPE_MASK), name, nil) { return loc }
        }
        return nil
    }()
}
