/// What a template sees: text, numbers, booleans, lists and objects with named fields.
public enum TemplateValue: Sendable {
    case text(String)
    case number(Int)
    case bool(Bool)
    case list([TemplateValue])
    case object(any TemplateObject)

    /// A dictionary's fields as an object.
    public static func fields(_ fields: [String: TemplateValue]) -> TemplateValue { .object(Fields(fields)) }
}

/// An object whose fields are looked up by name when the template asks for them (a zone's
/// records are laid out only if the template prints them).
public protocol TemplateObject: Sendable {
    func field(_ name: String) -> TemplateValue?
}

struct Fields: TemplateObject {
    let values: [String: TemplateValue]
    init(_ values: [String: TemplateValue]) { self.values = values }
    func field(_ name: String) -> TemplateValue? { values[name] }
}
