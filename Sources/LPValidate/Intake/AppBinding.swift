import LPCore
import LPModel

/// The change request must be for the app its pack was built for (docs/intake.md#the-app).
///
/// `x07.app.pack@0.1.0` has no app field (and no room for one: additional properties are
/// refused); its `profile_id` names the build profile, which the reference pairs with several
/// apps (`app_min_release` is deployed as `acme.payments.api` and as `app_min`). What can name
/// the app of a pack is its provenance: the statement whose subject is this pack's manifest
/// records the build's `externalParameters`, where a builder may put the app
/// (`predicate.buildDefinition.externalParameters.app_id`, as scripts/make-example-packs does).
/// When that statement names another
/// app than `target.app_id`, the inputs contradict each other: refused with exit 3
/// (`LP_CHANGE_APP_MISMATCH`) before anything is written.
enum AppBinding {
    static let mismatchCode = "LP_CHANGE_APP_MISMATCH"

    /// The app the provenance statement about the pack `manifest` names, if it names one.
    static func packApp(statement: JSON?, manifest: DigestRef) -> String? {
        guard let statement else { return nil }
        let subjects = (statement["subject"]?.arrayValue ?? []).compactMap { $0["digest"]?["sha256"]?.stringValue }
        guard subjects.contains(manifest.sha256) else { return nil }  // about another pack: the provenance gate denies
        return statement["predicate"]?["buildDefinition"]?["externalParameters"]?["app_id"]?.stringValue
    }

    static func check(statement: JSON?, manifest: DigestRef, appId: String) throws {
        guard let packApp = packApp(statement: statement, manifest: manifest), packApp != appId else { return }
        throw LPError(.invalidInput, code: mismatchCode,
                      "the change request targets app \(appId), but the pack was built for \(packApp) (its provenance "
                      + "names it in predicate.buildDefinition.externalParameters.app_id); send the change for \(packApp), "
                      + "or the pack built for \(appId)",
                      data: ["change_app_id": .string(appId), "pack_app_id": .string(packApp)])
    }
}
