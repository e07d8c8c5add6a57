/// The report store's tables after migration 2, and how a version-1 store (reports keyed by
/// report-id alone) is carried over: every report keeps its policies and failures, and the
/// per-day rollups are filled from them.
enum Schema {
    static let version2 = """
        CREATE TABLE report2 (
            id INTEGER PRIMARY KEY, organization TEXT NOT NULL, report_id TEXT NOT NULL,
            start_at REAL NOT NULL, end_at REAL NOT NULL, contact TEXT NOT NULL, received_at REAL NOT NULL,
            source TEXT NOT NULL, json BLOB NOT NULL,
            UNIQUE (organization, report_id, start_at, end_at));
        CREATE TABLE policy2 (
            report INTEGER NOT NULL REFERENCES report2(id) ON DELETE CASCADE, position INTEGER NOT NULL,
            policy_type TEXT NOT NULL, policy_domain TEXT NOT NULL, policy_string TEXT NOT NULL, mx_host TEXT NOT NULL,
            successful INTEGER NOT NULL, failed INTEGER NOT NULL, PRIMARY KEY (report, position));
        CREATE TABLE failure2 (
            report INTEGER NOT NULL, position INTEGER NOT NULL, result_type TEXT NOT NULL,
            sending_mta_ip TEXT, receiving_mx_hostname TEXT, receiving_mx_helo TEXT, receiving_ip TEXT,
            failed_sessions INTEGER NOT NULL, additional_information TEXT, failure_reason_code TEXT,
            FOREIGN KEY (report, position) REFERENCES policy2(report, position) ON DELETE CASCADE);

        INSERT INTO report2 (organization, report_id, start_at, end_at, contact, received_at, source, json)
            SELECT organization, report_id, start_at, end_at, contact, received_at, source, json FROM report ORDER BY rowid;
        INSERT INTO policy2
            SELECT r.id, p.position, p.policy_type, p.policy_domain, p.policy_string, p.mx_host, p.successful, p.failed
            FROM policy p JOIN report2 r ON r.report_id = p.report_id;
        INSERT INTO failure2
            SELECT r.id, f.position, f.result_type, f.sending_mta_ip, f.receiving_mx_hostname, f.receiving_mx_helo, f.receiving_ip,
                   f.failed_sessions, f.additional_information, f.failure_reason_code
            FROM failure f JOIN report2 r ON r.report_id = f.report_id;
        DROP TABLE failure;
        DROP TABLE policy;
        DROP TABLE report;
        ALTER TABLE report2 RENAME TO report;
        ALTER TABLE policy2 RENAME TO policy;
        ALTER TABLE failure2 RENAME TO failure;
        CREATE INDEX policy_domain ON policy(policy_domain);
        CREATE INDEX failure_policy ON failure(report, position);
        CREATE INDEX report_end ON report(end_at);

        -- Summaries read these, never the reports: one row per day (of the period's start),
        -- domain, policy type and organisation, and per failure group.
        CREATE TABLE daily_policy (
            day INTEGER NOT NULL, policy_domain TEXT NOT NULL, policy_type TEXT NOT NULL, organization TEXT NOT NULL,
            successful INTEGER NOT NULL, failed INTEGER NOT NULL, reports INTEGER NOT NULL,
            first_at REAL NOT NULL, last_at REAL NOT NULL,
            PRIMARY KEY (day, policy_domain, policy_type, organization));
        CREATE TABLE daily_failure (
            day INTEGER NOT NULL, policy_domain TEXT NOT NULL, policy_type TEXT NOT NULL, organization TEXT NOT NULL,
            mx TEXT NOT NULL, ip TEXT NOT NULL, result_type TEXT NOT NULL, reason_code TEXT NOT NULL,
            sessions INTEGER NOT NULL, information TEXT, last_at REAL NOT NULL,
            PRIMARY KEY (day, policy_domain, policy_type, organization, mx, ip, result_type, reason_code));
        CREATE INDEX daily_policy_domain ON daily_policy(policy_domain, last_at);
        CREATE INDEX daily_failure_domain ON daily_failure(policy_domain, last_at);

        INSERT INTO daily_policy
            SELECT CAST(r.start_at / 86400 AS INTEGER) - (r.start_at < 0 AND r.start_at % 86400 != 0), p.policy_domain, p.policy_type,
                   r.organization, SUM(p.successful), SUM(p.failed), COUNT(DISTINCT r.id), MIN(r.start_at), MAX(r.end_at)
            FROM policy p JOIN report r ON r.id = p.report GROUP BY 1, 2, 3, 4;
        INSERT INTO daily_failure
            SELECT CAST(r.start_at / 86400 AS INTEGER) - (r.start_at < 0 AND r.start_at % 86400 != 0), p.policy_domain, p.policy_type,
                   r.organization, COALESCE(f.receiving_mx_hostname, ''), COALESCE(f.receiving_ip, ''), f.result_type,
                   COALESCE(f.failure_reason_code, ''), SUM(f.failed_sessions), MAX(f.additional_information), MAX(r.end_at)
            FROM failure f JOIN policy p ON p.report = f.report AND p.position = f.position JOIN report r ON r.id = f.report
            GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
        """
}
