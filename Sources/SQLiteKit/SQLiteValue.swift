import FoundationEssentials

/// One SQLite value, as bound to a statement or read from a row.
public enum SQLiteValue: Sendable, Equatable {
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
    case null
}

/// A Swift value that can be bound to a `?` of a statement.
public protocol SQLiteBindable {
    var sqliteValue: SQLiteValue { get }
}

/// A Swift value a column can be read as. `init(sqlite:)` is nil when the column holds
/// something else (NULL for a non-optional type, text for a number), so a reader never
/// invents a value.
public protocol SQLiteColumnValue {
    init?(sqlite value: SQLiteValue)
}

extension String: SQLiteBindable, SQLiteColumnValue {
    public var sqliteValue: SQLiteValue { .text(self) }
    public init?(sqlite value: SQLiteValue) {
        guard case .text(let text) = value else { return nil }
        self = text
    }
}

extension Int64: SQLiteBindable, SQLiteColumnValue {
    public var sqliteValue: SQLiteValue { .integer(self) }
    public init?(sqlite value: SQLiteValue) {
        guard case .integer(let number) = value else { return nil }
        self = number
    }
}

extension Int: SQLiteBindable, SQLiteColumnValue {
    public var sqliteValue: SQLiteValue { .integer(Int64(self)) }
    public init?(sqlite value: SQLiteValue) {
        guard case .integer(let number) = value, let exact = Int(exactly: number) else { return nil }
        self = exact
    }
}

extension Double: SQLiteBindable, SQLiteColumnValue {
    public var sqliteValue: SQLiteValue { .real(self) }
    /// An INTEGER column value reads as a Double too: SQLite stores a REAL that has no
    /// fractional part as an integer when the column's affinity allows it.
    public init?(sqlite value: SQLiteValue) {
        switch value {
        case .real(let number): self = number
        case .integer(let number): self = Double(number)
        default: return nil
        }
    }
}

extension Bool: SQLiteBindable, SQLiteColumnValue {
    public var sqliteValue: SQLiteValue { .integer(self ? 1 : 0) }
    public init?(sqlite value: SQLiteValue) {
        guard case .integer(let number) = value else { return nil }
        self = number != 0
    }
}

extension Data: SQLiteBindable, SQLiteColumnValue {
    public var sqliteValue: SQLiteValue { .blob(self) }
    /// Text reads as its UTF-8 bytes (a blob column written as text by another tool).
    public init?(sqlite value: SQLiteValue) {
        switch value {
        case .blob(let bytes): self = bytes
        case .text(let text): self = Data(text.utf8)
        default: return nil
        }
    }
}

extension Optional: SQLiteBindable where Wrapped: SQLiteBindable {
    public var sqliteValue: SQLiteValue { self?.sqliteValue ?? .null }
}

extension Optional: SQLiteColumnValue where Wrapped: SQLiteColumnValue {
    /// NULL reads as nil; anything else must read as `Wrapped`.
    public init?(sqlite value: SQLiteValue) {
        if case .null = value {
            self = .none
            return
        }
        guard let wrapped = Wrapped(sqlite: value) else { return nil }
        self = .some(wrapped)
    }
}

/// One row of a result, its values copied out of SQLite.
public struct SQLiteRow: Sendable {
    public let values: [SQLiteValue]

    /// Column `index` as `T`; an error naming the column when it is missing or holds
    /// something `T` cannot be (NULL where the schema says NOT NULL, say).
    public func column<T: SQLiteColumnValue>(_ index: Int, as type: T.Type = T.self) throws(SQLiteError) -> T {
        guard values.indices.contains(index) else {
            throw SQLiteError(code: SQLiteError.mismatch, message: "the result has no column \(index)")
        }
        guard let value = T(sqlite: values[index]) else {
            throw SQLiteError(
                code: SQLiteError.mismatch, message: "column \(index) holds \(values[index].kind), not \(T.self)")
        }
        return value
    }
}

extension SQLiteValue {
    /// The storage class, for messages.
    var kind: String {
        switch self {
        case .integer: "an integer"
        case .real: "a real"
        case .text: "text"
        case .blob: "a blob"
        case .null: "NULL"
        }
    }
}
