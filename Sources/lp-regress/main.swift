import LPRegress
import LPStage

// lp-regress: see LPRegress/RegressStage.swift.
StageRunner.main(RegressStage.definition)
