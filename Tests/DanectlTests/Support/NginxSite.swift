import Foundation
import XCTest

/// Debian's nginx running one of contrib/nginx's files, its `# @MARKER@` lines replaced by the
/// test's values: the proxy the README tells operators to put in front of `danectl serve`.
final class NginxSite {
    let process = Process()
    let folder: TemporaryFolder

    init(_ contrib: String, _ values: [(marker: String, line: String)], in folder: TemporaryFolder) throws {
        self.folder = folder
        var site = try String(contentsOfFile: Repository.path("contrib/nginx/\(contrib)"), encoding: .utf8)
        for (marker, value) in values {
            site = site.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                line.contains("# \(marker)") ? "    " + value : String(line)
            }.joined(separator: "\n")
        }
        try folder.write("site.conf", site)
        try folder.write(
            "nginx.conf",
            """
            daemon off; master_process off; pid \(folder.file("nginx.pid")); error_log \(folder.file("nginx-error.log"));
            events { worker_connections 64; }
            http { access_log off; client_body_temp_path \(folder.file("body")); proxy_temp_path \(folder.file("proxy"));
                   include \(folder.file("site.conf")); }
            """)
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
        process.arguments = ["-p", folder.path, "-c", folder.file("nginx.conf")]
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    var errors: String { (try? String(contentsOfFile: folder.file("nginx-error.log"), encoding: .utf8)) ?? "" }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}
