import ArgumentParser

/// Exit statuses shared by the commands; listed in each command's --help.
enum ExitStatus {
    /// The input (description, certificate, key, template) is wrong; nothing was written.
    static let badInput = ExitCode(1)
    /// The output could not be written; earlier output is untouched.
    static let cannotWrite = ExitCode(3)
}
