import ByteStreams
internal import CLDNS
import DaneModel
import FoundationEssentials
import Glibc
import SocketKit

/// Many questions to one recursive resolver in flight at once, over a few UDP sockets that
/// stay open, the way dnsperf or a resolver's own outbound side works: a provider's run asks
/// hundreds of thousands of questions, and a socket, eight system calls and a 64 KiB buffer
/// per question (the one-at-a-time path) cost more than the resolver's answer.
///
/// The questions are the bytes `StubResolver` sends (same flags, DO, EDNS size). An answer is
/// taken only from the resolver's address (connected sockets), with the ID of a question in
/// flight on that socket and exactly that question (`MatchedExchange.answers`); anything else
/// is dropped and the question keeps waiting. Each socket's source port is the kernel's random
/// ephemeral one; a forger off the path must still match a port and a 16-bit ID, but one port
/// carries many questions here, so sockets are replaced every `questionsPerSocket` questions.
/// A question unanswered for `resendAfter` is sent once more, as stub resolvers do (a lost
/// datagram then costs 1.5 s, not the timeout). Whatever this path cannot settle (no answer
/// in time, a truncated or unreadable answer, a failed socket) comes back as `.askAlone`: the
/// caller asks again the one-at-a-time way, which retries, falls back to TCP and names the
/// failure.
///
/// Owned by one thread (not Sendable).
public final class QueryPipeline {
    public enum Outcome {
        case answered(DNSResponse)
        /// Ask this question again alone (`StubResolver`): this path could not settle it.
        case askAlone
    }

    private struct Waiting {
        let ticket: Int
        let owner: UnsafeMutablePointer<ldns_rdf>
        let type: ldns_rr_type
        let deadline: Deadline
        /// The question as sent, and when to send it once more if no answer came (nil: sent
        /// twice already). One lost datagram must not cost the whole timeout.
        let bytes: [UInt8]
        var resend: Deadline?

        /// The next moment something is due for this question.
        var due: Deadline { resend.map { min($0, deadline) } ?? deadline }
    }

    private final class Channel {
        let socket: DatagramSocket
        var waiting: [UInt16: Waiting] = [:]
        var sent = 0
        init(_ socket: DatagramSocket) { self.socket = socket }
    }

    /// Prepares questions only (the settings StubResolver uses); never sends.
    private let resolver: UnsafeMutablePointer<ldns_resolver>
    private let ip: String
    private let port: UInt16
    private let timeout: TimeInterval
    private let questionsPerSocket: Int
    /// Silence after which a question is sent once more (at most half the timeout).
    private let resendAfter: TimeInterval
    /// ldns's question for the root, type A: what every question is made from (see `question`).
    private let template: [UInt8]
    private var channels: [Channel] = []
    private var retiring: [Channel] = []
    private var nextChannel = 0
    private var nextTicket = 0
    private var settled: [(Int, Outcome)] = []
    private var buffer = [UInt8](repeating: 0, count: 65_535)
    private var randomBits: UInt64 = 0
    private var randomLeft = 0

    /// Questions sent and not yet settled.
    public private(set) var inFlight = 0

    /// `address` as StubResolver takes it (`IP[:PORT]`, nil for /etc/resolv.conf's first server).
    public init(
        address: String?, timeout: TimeInterval, sockets: Int = 4, questionsPerSocket: Int = 4_096,
        resendAfter: TimeInterval = 1.5
    ) throws(ResolverError) {
        self.resendAfter = resendAfter
        (resolver, _) = try StubResolver.make(address: address, timeout: timeout)
        guard ldns_resolver_nameserver_count(resolver) > 0, let servers = ldns_resolver_nameservers(resolver),
            let first = servers[0], let text = ldns_rdf2str(first)
        else {
            ldns_resolver_deep_free(resolver)
            throw ResolverError(description: "no name server to ask")
        }
        ip = String(cString: text)
        free(text)
        // The root's question: 12 bytes of header, the root name (1), type (2), class (2), OPT.
        guard let made = Self.ldnsQuestion(resolver, DNSName(labels: []), .a, id: 0), made.count >= 17 else {
            ldns_resolver_deep_free(resolver)
            throw ResolverError(description: "cannot make a DNS question")
        }
        template = made
        port = ldns_resolver_port(resolver)
        self.timeout = timeout
        self.questionsPerSocket = max(1, questionsPerSocket)
        for _ in 0..<max(1, sockets) {
            guard let socket = try? DatagramSocket(ip: ip, port: port) else { continue }
            channels.append(Channel(socket))
        }
        guard !channels.isEmpty else {
            ldns_resolver_deep_free(resolver)
            throw ResolverError(description: "cannot open a UDP socket to \(ip) port \(port)")
        }
    }

    deinit {
        for channel in channels + retiring {
            for waiting in channel.waiting.values { ldns_rdf_deep_free(waiting.owner) }
        }
        ldns_resolver_deep_free(resolver)
    }

    /// Sends `name`/`type` (RD and DO set, CD clear); the ticket names its outcome in `collect`.
    public func send(_ name: DNSName, _ type: RRType) -> Int {
        let ticket = nextTicket
        nextTicket += 1
        inFlight += 1
        guard let channel = channelForSending(), let owner = ldns_dname_new_frm_str(name.fqdn) else {
            settled.append((ticket, .askAlone))
            return ticket
        }
        var id = randomID()
        while channel.waiting[id] != nil { id = randomID() }
        let bytes = question(owner, type.rawValue, id: id)
        guard channel.socket.send(bytes) else {
            ldns_rdf_deep_free(owner)
            settled.append((ticket, .askAlone))
            return ticket
        }
        channel.sent += 1
        let rrType = ldns_rr_type(rawValue: UInt32(type.rawValue))
        channel.waiting[id] = Waiting(
            ticket: ticket, owner: owner, type: rrType, deadline: .after(timeout), bytes: bytes,
            resend: .after(min(resendAfter, timeout / 2)))
        return ticket
    }

    /// The question's bytes: the template's header (with this ID), this name and type, and the
    /// template's class and EDNS record. The template is ldns's own question, so these are the
    /// bytes ldns would make (QueryPipelineTests compares the two), without an ldns packet and
    /// its name compression per question.
    private func question(_ owner: UnsafeMutablePointer<ldns_rdf>, _ type: UInt16, id: UInt16) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(template.count + ldns_rdf_size(owner))
        bytes += [UInt8(id >> 8), UInt8(id & 0xFF)]
        bytes += template[2..<12]
        bytes += UnsafeBufferPointer(start: ldns_rdf_data(owner), count: ldns_rdf_size(owner))
        bytes += [UInt8(type >> 8), UInt8(type & 0xFF)]
        bytes += template[15...]  // class, then the EDNS (OPT) record
        return bytes
    }

    /// `name`/`type` as these bytes would go out (for the tests' comparison with ldns).
    func question(_ name: DNSName, _ type: RRType, id: UInt16) -> [UInt8]? {
        guard let owner = ldns_dname_new_frm_str(name.fqdn) else { return nil }
        defer { ldns_rdf_deep_free(owner) }
        return question(owner, type.rawValue, id: id)
    }

    /// The question ldns makes for `name`/`type` with this resolver's settings (RD, DO, EDNS
    /// size), as StubResolver sends it.
    func ldnsQuestion(_ name: DNSName, _ type: RRType, id: UInt16) -> [UInt8]? {
        Self.ldnsQuestion(resolver, name, type, id: id)
    }

    private static func ldnsQuestion(
        _ resolver: UnsafeMutablePointer<ldns_resolver>, _ name: DNSName, _ type: RRType, id: UInt16
    ) -> [UInt8]? {
        guard let owner = ldns_dname_new_frm_str(name.fqdn) else { return nil }
        defer { ldns_rdf_deep_free(owner) }
        let rrType = ldns_rr_type(rawValue: UInt32(type.rawValue))
        guard case .success(let query) = MatchedExchange.question(resolver, owner, rrType, flags: UInt16(LDNS_RD))
        else { return nil }
        defer { ldns_pkt_free(query) }
        ldns_pkt_set_id(query, id)
        var wire: UnsafeMutablePointer<UInt8>?
        var size = 0
        guard ldns_pkt2wire(&wire, query, &size) == LDNS_STATUS_OK, let wire else { return nil }
        defer { free(wire) }
        return Array(UnsafeBufferPointer(start: wire, count: size))
    }

    /// The outcomes known by `deadline` (at least one if any question is in flight and one
    /// settles by then): answers, and `.askAlone` for questions whose time ran out.
    public func collect(until deadline: Deadline) -> [(ticket: Int, outcome: Outcome)] {
        if settled.isEmpty {
            let all = channels + retiring
            let earliest = all.lazy.flatMap { $0.waiting.values.lazy.map(\.due) }.min()
            let readable = DatagramSocket.readable(all.map(\.socket), until: min(deadline, earliest ?? deadline))
            for (channel, ready) in zip(all, readable) where ready { drain(channel) }
            expire()
        }
        let done = settled
        settled.removeAll(keepingCapacity: true)
        inFlight -= done.count
        return done.map { (ticket: $0.0, outcome: $0.1) }
    }

    /// Reads the datagrams waiting on `channel` and settles the questions they answer.
    /// At most `drainLimit` datagrams a call, so a socket flooded with stray datagrams cannot
    /// hold this thread: the other sockets are read and deadlines kept between calls.
    private func drain(_ channel: Channel) {
        for _ in 0..<Self.drainLimit {
            switch channel.socket.receive(into: &buffer) {
            case .nothing: return
            case .failed:
                // Nobody listens there (ICMP port unreachable) or the socket broke: every
                // question on it is asked again alone, and the socket is replaced.
                for waiting in channel.waiting.values { settle(waiting, .askAlone) }
                channel.waiting.removeAll()
                replace(channel)
                return
            case .datagram(let count):
                guard count >= 12 else { continue }
                let id = UInt16(buffer[0]) << 8 | UInt16(buffer[1])
                guard let waiting = channel.waiting[id] else { continue }  // a stray or forged answer
                var parsed: UnsafeMutablePointer<ldns_pkt>?
                guard ldns_wire2pkt(&parsed, buffer, count) == LDNS_STATUS_OK, let packet = parsed else {
                    channel.waiting[id] = nil
                    settle(waiting, .askAlone)
                    continue
                }
                defer { ldns_pkt_free(packet) }
                guard MatchedExchange.answers(packet, waiting.owner, waiting.type) else { continue }
                channel.waiting[id] = nil
                settle(
                    waiting,
                    ldns_pkt_tc(packet) != 0
                        ? .askAlone : .answered(DNSResponse(packet: packet, authenticated: ldns_pkt_ad(packet) != 0)))
            }
        }
    }

    private static let drainLimit = 256

    private func settle(_ waiting: Waiting, _ outcome: Outcome) {
        ldns_rdf_deep_free(waiting.owner)
        settled.append((waiting.ticket, outcome))
    }

    /// Questions past their deadline are asked again alone, and those silent for `resendAfter`
    /// are sent once more (same ID and socket: either answer is taken); sockets done with are
    /// closed.
    private func expire() {
        let now = Deadline.after(0)
        for channel in channels + retiring {
            for (id, waiting) in channel.waiting where waiting.due <= now {
                if waiting.deadline <= now {
                    channel.waiting[id] = nil
                    settle(waiting, .askAlone)
                } else {
                    _ = channel.socket.send(waiting.bytes)
                    channel.waiting[id]?.resend = nil
                }
            }
        }
        retiring.removeAll { $0.waiting.isEmpty }
    }

    /// The next socket in turn; one that has sent its share is retired (closed once its last
    /// question settles) and a fresh one, on a new random port, takes its place.
    private func channelForSending() -> Channel? {
        guard !channels.isEmpty else { return nil }
        nextChannel = (nextChannel + 1) % channels.count
        let channel = channels[nextChannel]
        if channel.sent >= questionsPerSocket { replace(channel) }
        return channels.isEmpty ? nil : channels[nextChannel % channels.count]
    }

    private func replace(_ channel: Channel) {
        guard let index = channels.firstIndex(where: { $0 === channel }) else { return }
        if !channel.waiting.isEmpty { retiring.append(channel) }
        if let socket = try? DatagramSocket(ip: ip, port: port) {
            channels[index] = Channel(socket)
        } else {
            channels.remove(at: index)
        }
    }

    /// Message IDs from the system's random source, four per draw.
    private func randomID() -> UInt16 {
        if randomLeft == 0 {
            var generator = SystemRandomNumberGenerator()
            randomBits = generator.next()
            randomLeft = 4
        }
        let id = UInt16(truncatingIfNeeded: randomBits)
        randomBits >>= 16
        randomLeft -= 1
        return id
    }
}
