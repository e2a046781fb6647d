import LPRelease
import LPStage

// lp-release: see LPRelease/ReleaseStage.swift.
StageRunner.main(ReleaseStage.definition)
