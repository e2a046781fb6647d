import LPApply
import LPStage

// lp-apply: see LPApply/ApplyStage.swift.
StageRunner.main(ApplyStage.definition)
