import FoundationEssentials
import PlainText

/// One HTTP/1.1 request as `serve` sees it (RFC 9110/9112): the head, and the body once read.
public struct HTTPRequest: Sendable {
    public let method: String
    /// The path of the request target, without the query.
    public let path: String
    public let query: String?
    /// Header fields in order, names lower-cased.
    public let headers: [(name: String, value: String)]
    public var body: [UInt8] = []
    /// The peer's address (the proxy's, behind one).
    public let remote: String

    public init(method: String, path: String, query: String?, headers: [(name: String, value: String)], remote: String)
    {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.remote = remote
    }

    /// The first value of a header field (names compare without case).
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name == wanted }?.value
    }

    /// The media type of the body, lower-cased, without parameters.
    public var contentType: String {
        (header("content-type") ?? "").split(separator: ";").first.map {
            $0.trimmed().lowercased()
        } ?? ""
    }

    /// The host the request was sent to (Host field), without a port, lower-cased.
    public var host: String? {
        guard let value = header("host")?.lowercased() else { return nil }
        if value.hasPrefix("[") { return value.split(separator: "]").first.map { String($0.dropFirst()) } }
        return value.split(separator: ":").first.map(String.init)
    }
}

/// A response: always closed after it is sent (one request per connection keeps the server
/// simple and leaves no idle connection to hold).
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A plain-text answer, one line (senders and proxies log it).
    public static func text(_ status: Int, _ message: String) -> HTTPResponse {
        HTTPResponse(
            status: status, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array((message + "\n").utf8)
        )
    }

    /// A page: no script may run in it, nothing is fetched from elsewhere, and it is not framed.
    public static func html(_ page: String) -> HTTPResponse {
        HTTPResponse(
            status: 200,
            headers: [
                ("Content-Type", "text/html; charset=utf-8"),
                (
                    "Content-Security-Policy",
                    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'"
                ),
                ("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-cache"),
            ], body: Array(page.utf8))
    }

    public static func json(_ document: String) -> HTTPResponse {
        HTTPResponse(
            status: 200, headers: [("Content-Type", "application/json"), ("Cache-Control", "no-cache")],
            body: Array(document.utf8))
    }

    /// The bytes on the wire: status line, fields, Content-Length, Connection: close, body.
    var wire: [UInt8] {
        var head = "HTTP/1.1 \(status) \(Self.reason(status))\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        return Array(head.utf8) + body
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 411: "Length Required"
        case 413: "Content Too Large"
        case 415: "Unsupported Media Type"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: "Status"
        }
    }
}
