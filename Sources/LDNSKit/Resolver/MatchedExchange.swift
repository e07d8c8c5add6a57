internal import CLDNS
import FoundationEssentials

/// One question sent and its answer accepted only if it answers that question: the same
/// message ID (RFC 5452 §9.1; a stray or off-path spoofed answer carries another) and the same
/// question section. Every query danectl makes goes through here.
enum MatchedExchange {
    enum Failure: Error {
        case notSent(ldns_status)
        case mismatched(String)
    }

    static func ask(
        _ resolver: UnsafeMutablePointer<ldns_resolver>, _ owner: UnsafeMutablePointer<ldns_rdf>, _ type: ldns_rr_type,
        flags: UInt16
    ) -> Result<UnsafeMutablePointer<ldns_pkt>, Failure> {
        let query: UnsafeMutablePointer<ldns_pkt>
        switch question(resolver, owner, type, flags: flags) {
        case .success(let made): query = made
        case .failure(let failure): return .failure(failure)
        }
        defer { ldns_pkt_free(query) }
        ldns_pkt_set_random_id(query)
        // ldns marks a server that once timed out as unreachable for good, and every later
        // query on this resolver then fails at once ("no valid nameservers"): one slow answer
        // must not poison a resolver reused for the rest of a run. Each question gets a fresh try.
        for index in 0..<ldns_resolver_nameserver_count(resolver) {
            ldns_resolver_set_nameserver_rtt(resolver, index, 1)
        }
        var answer: UnsafeMutablePointer<ldns_pkt>?
        let status = ldns_resolver_send_pkt(&answer, resolver, query)
        guard status == LDNS_STATUS_OK, let answer else { return .failure(.notSent(status)) }
        let (answered, asked) = (ldns_pkt_id(answer), ldns_pkt_id(query))
        guard answered == asked else {
            ldns_pkt_free(answer)
            return .failure(.mismatched("the answer's message ID \(answered) is not the question's \(asked)"))
        }
        guard answers(answer, owner, type) else {
            ldns_pkt_free(answer)
            return .failure(.mismatched("the answer is to another question"))
        }
        return .success(answer)
    }

    /// The question packet as the resolver's settings make it (RD, CD, DO, EDNS size): the
    /// same bytes whether it is sent alone or in a pipeline. The caller sets the ID and frees it.
    static func question(
        _ resolver: UnsafeMutablePointer<ldns_resolver>, _ owner: UnsafeMutablePointer<ldns_rdf>, _ type: ldns_rr_type,
        flags: UInt16
    ) -> Result<UnsafeMutablePointer<ldns_pkt>, Failure> {
        var query: UnsafeMutablePointer<ldns_pkt>?
        let prepared = ldns_resolver_prepare_query_pkt(&query, resolver, owner, type, LDNS_RR_CLASS_IN, flags)
        guard prepared == LDNS_STATUS_OK, let query else { return .failure(.notSent(prepared)) }
        return .success(query)
    }

    /// Whether `answer`'s question section is exactly the one question asked (RFC 5452 §9.1).
    /// The one place this rule lives: QueryPipeline applies it too.
    static func answers(
        _ answer: UnsafeMutablePointer<ldns_pkt>, _ owner: UnsafeMutablePointer<ldns_rdf>, _ type: ldns_rr_type
    ) -> Bool {
        guard let question = ldns_pkt_question(answer), ldns_rr_list_rr_count(question) == 1,
            let asked = ldns_rr_list_rr(question, 0)
        else { return false }
        return ldns_rr_get_type(asked) == type && ldns_dname_compare(ldns_rr_owner(asked), owner) == 0
    }
}
