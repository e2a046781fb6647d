import LPCore
import LPState
import LPModel
import LPIndex
import LPStage
import LPValidate
import LPPlan
import LPIncident
import LPApply
import LPRegress
import LPQuery
import Foundation
import XCTest

/// The project's own example packs and hostile corpus, built once per test run by
/// scripts/make-example-packs and scripts/make-hostile-packs from the sources in examples/hello.
enum ExamplePacks {
    static let root: String = {
        let dir = StageProcess.temporaryDirectory()
        for script in ["make-example-packs", "make-hostile-packs"] {
            let result = try? StageProcess.run(StageProcess.repoRoot + "/scripts/" + script, [dir])
            precondition(result?.status == 0, "scripts/\(script) failed: \(result?.stderr ?? "did not run")")
        }
        return dir
    }()

    static var hello: String { root + "/hello" }
    static var hostile: String { root + "/hostile" }
}
