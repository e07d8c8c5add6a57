import FoundationEssentials

/// The RDATA of one live record, decoded from wire format by type (RFC 1035 §3.3, RFC 3596,
/// RFC 4034, RFC 6698). Types danectl does not look inside stay opaque bytes; RDATA that
/// is too short or too long for its type is `.malformed`, with the reason, not a crash.
public enum RecordData: Sendable, Hashable {
    /// A or AAAA, as text (`192.0.2.1`, `2001:db8::1`).
    case address(String)
    /// NS, CNAME, DNAME.
    case name(DNSName)
    case mx(preference: UInt16, exchange: DNSName)
    case soa(SOAData)
    /// TXT: the character-strings, as bytes.
    case txt([[UInt8]])
    case tlsa(TLSARecordData)
    case rrsig(RRSIGData)
    case dnskey(DNSKEYData)
    case ds(DSData)
    case opaque([UInt8])
    case malformed(reason: String, wire: [UInt8])

    public init(type: RRType, wire: [UInt8]) {
        var reader = WireReader(wire)
        do throws(WireReader.Short) {
            let data: RecordData
            switch type {
            case .a:
                data = .address(try reader.take(4, "an IPv4 address").map(String.init).joined(separator: "."))
            case .aaaa:
                data = .address(IPv6Text.format(try reader.take(16, "an IPv6 address")))
            case .ns, .cname, .dname:
                data = .name(try reader.name("the target name"))
            case .mx:
                data = .mx(preference: try reader.u16("the preference"), exchange: try reader.name("the exchange name"))
            case .soa:
                data = .soa(
                    SOAData(
                        primary: try reader.name("MNAME"), mailbox: try reader.name("RNAME"),
                        serial: try reader.u32("SERIAL"), refresh: try reader.u32("REFRESH"),
                        retry: try reader.u32("RETRY"),
                        expire: try reader.u32("EXPIRE"), minimum: try reader.u32("MINIMUM")))
            case .txt:
                var strings: [[UInt8]] = []
                repeat {
                    let length = Int(try reader.u8("a character-string"))
                    strings.append(try reader.take(length, "a character-string"))
                } while !reader.atEnd
                data = .txt(strings)
            case .tlsa:
                let parameters = TLSAParameters(
                    CertificateUsage(rawValue: try reader.u8("the usage")),
                    TLSASelector(rawValue: try reader.u8("the selector")),
                    TLSAMatchingType(rawValue: try reader.u8("the matching type")))
                guard !reader.atEnd else { throw WireReader.Short(what: "the certificate association data") }
                data = .tlsa(TLSARecordData(parameters: parameters, associationData: reader.rest()))
            case .rrsig:
                data = .rrsig(
                    RRSIGData(
                        typeCovered: RRType(rawValue: try reader.u16("the type covered")),
                        algorithm: try reader.u8("the algorithm"), labels: try reader.u8("the labels"),
                        originalTTL: try reader.u32("the original TTL"), expiration: try reader.u32("the expiration"),
                        inception: try reader.u32("the inception"), keyTag: try reader.u16("the key tag"),
                        signer: try reader.name("the signer"), signature: reader.rest()))
            case .dnskey, .cdnskey:
                data = .dnskey(
                    DNSKEYData(
                        flags: try reader.u16("the flags"), protocol: try reader.u8("the protocol"),
                        algorithm: try reader.u8("the algorithm"), publicKey: reader.rest()))
            case .ds, .cds:
                data = .ds(
                    DSData(
                        keyTag: try reader.u16("the key tag"), algorithm: try reader.u8("the algorithm"),
                        digestType: try reader.u8("the digest type"), digest: reader.rest()))
            default:
                data = .opaque(reader.rest())
            }
            guard reader.atEnd else {
                self = .malformed(reason: "\(reader.remaining) byte(s) left over after the \(type) RDATA", wire: wire)
                return
            }
            self = data
        } catch {
            self = .malformed(
                reason: wire.isEmpty
                    ? "the \(type) record is empty (RDLENGTH 0)" : "the \(type) record is too short for \(error.what)",
                wire: wire)
        }
    }

    /// RFC 1035 presentation form of the RDATA (RFC 3597's `\# len hex` for opaque data).
    public var presentation: String {
        switch self {
        case .address(let text): text
        case .name(let name): name.fqdn
        case .mx(let preference, let exchange): "\(preference) \(exchange.fqdn)"
        case .soa(let soa):
            "\(soa.primary.fqdn) \(soa.mailbox.fqdn) \(soa.serial) \(soa.refresh) \(soa.retry) \(soa.expire) \(soa.minimum)"
        case .txt(let strings): strings.map(TXTCharacterStrings.quoted).joined(separator: " ")
        case .tlsa(let tlsa): tlsa.description
        case .rrsig(let sig):
            "\(sig.typeCovered) \(sig.algorithm) \(sig.labels) \(sig.originalTTL) \(RRSIGData.timeText(sig.expiration)) "
                + "\(RRSIGData.timeText(sig.inception)) \(sig.keyTag) \(sig.signer.fqdn) \(Data(sig.signature).base64EncodedString())"
        case .dnskey(let key):
            "\(key.flags) \(key.protocol) \(key.algorithm) \(Data(key.publicKey).base64EncodedString())"
        case .ds(let ds): "\(ds.keyTag) \(ds.algorithm) \(ds.digestType) \(Hex.encode(ds.digest))"
        case .opaque(let bytes), .malformed(_, let bytes):
            "\\# \(bytes.count)" + (bytes.isEmpty ? "" : " \(Hex.encode(bytes))")
        }
    }
}

public struct SOAData: Sendable, Hashable {
    public let primary: DNSName, mailbox: DNSName
    public let serial: UInt32, refresh: UInt32, retry: UInt32, expire: UInt32
    /// The negative-caching TTL (RFC 2308 §4), capped by the SOA record's own TTL.
    public let minimum: UInt32

    public init(
        primary: DNSName, mailbox: DNSName, serial: UInt32, refresh: UInt32, retry: UInt32, expire: UInt32,
        minimum: UInt32
    ) {
        (self.primary, self.mailbox, self.serial, self.refresh, self.retry, self.expire, self.minimum) = (
            primary, mailbox, serial, refresh, retry, expire, minimum
        )
    }
}

/// RFC 4034 §3.1.
public struct RRSIGData: Sendable, Hashable {
    public let typeCovered: RRType
    public let algorithm: UInt8
    public let labels: UInt8
    public let originalTTL: UInt32
    /// Seconds since 1970 modulo 2^32 (RFC 4034 §3.1.5: serial number arithmetic).
    public let expiration: UInt32, inception: UInt32
    public let keyTag: UInt16
    public let signer: DNSName
    public let signature: [UInt8]

    /// `YYYYMMDDHHmmSS` in UTC, as zone files print signature times.
    public static func timeText(_ seconds: UInt32) -> String { RFC3339.compact(date(seconds)) }

    /// The signature time as a date (RFC 4034 §3.1.5 times wrap in 2106; read as the nearest).
    public static func date(_ seconds: UInt32) -> Date { Date(timeIntervalSince1970: TimeInterval(seconds)) }

    /// The inverse of `timeText`: seconds modulo 2^32 for `YYYYMMDDHHmmSS` (UTC); nil for
    /// anything else.
    public static func seconds(timeText text: String) -> UInt32? {
        let digits = Array(text.utf8)
        guard digits.count == 14, digits.allSatisfy({ (48...57).contains($0) }) else { return nil }
        func number(_ from: Int, _ count: Int) -> Int64 {
            digits[from..<from + count].reduce(0) { $0 * 10 + Int64($1 - 48) }
        }
        let (year, month, day) = (number(0, 4), number(4, 2), number(6, 2))
        let (hour, minute, second) = (number(8, 2), number(10, 2), number(12, 2))
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60 else { return nil }
        // Days since 1970-01-01 from a civil date (proleptic Gregorian calendar).
        let y = year - (month <= 2 ? 1 : 0)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let total = days * 86_400 + hour * 3600 + minute * 60 + second
        return UInt32(truncatingIfNeeded: total)
    }

    /// Parses RRSIG RDATA in the presentation form zone files and `timeText` use (type
    /// covered, algorithm, labels, original TTL, expiration, inception, key tag, signer, base64
    /// signature); nil for text that is not.
    public init?(presentation text: String) {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count >= 9, let covered = RRType(mnemonic: fields[0]), let algorithm = UInt8(fields[1]),
            let labels = UInt8(fields[2]), let ttl = UInt32(fields[3]),
            let expiration = Self.seconds(timeText: fields[4]), let inception = Self.seconds(timeText: fields[5]),
            let keyTag = UInt16(fields[6]), let signer = DNSName(presentation: fields[7]),
            let signature = Data(base64Encoded: fields[8...].joined())
        else { return nil }
        self.init(
            typeCovered: covered, algorithm: algorithm, labels: labels, originalTTL: ttl, expiration: expiration,
            inception: inception, keyTag: keyTag, signer: signer, signature: Array(signature))
    }

    public var expirationDate: Date { Self.date(expiration) }
    public var inceptionDate: Date { Self.date(inception) }

    public init(
        typeCovered: RRType, algorithm: UInt8, labels: UInt8, originalTTL: UInt32, expiration: UInt32,
        inception: UInt32,
        keyTag: UInt16, signer: DNSName, signature: [UInt8]
    ) {
        self.typeCovered = typeCovered
        self.algorithm = algorithm
        self.labels = labels
        self.originalTTL = originalTTL
        self.expiration = expiration
        self.inception = inception
        self.keyTag = keyTag
        self.signer = signer
        self.signature = signature
    }
}

/// RFC 4034 §2.1.
public struct DNSKEYData: Sendable, Hashable {
    public let flags: UInt16
    public let `protocol`: UInt8
    public let algorithm: UInt8
    public let publicKey: [UInt8]

    /// RFC 4034 §2.1.1: the Secure Entry Point flag marks a key-signing key.
    public var isKeySigningKey: Bool { flags & 1 == 1 }

    public init(flags: UInt16, protocol: UInt8, algorithm: UInt8, publicKey: [UInt8]) {
        self.flags = flags
        self.protocol = `protocol`
        self.algorithm = algorithm
        self.publicKey = publicKey
    }
}

/// RFC 4034 §5.1.
public struct DSData: Sendable, Hashable {
    public let keyTag: UInt16
    public let algorithm: UInt8
    public let digestType: UInt8
    public let digest: [UInt8]

    public init(keyTag: UInt16, algorithm: UInt8, digestType: UInt8, digest: [UInt8]) {
        self.keyTag = keyTag
        self.algorithm = algorithm
        self.digestType = digestType
        self.digest = digest
    }
}
