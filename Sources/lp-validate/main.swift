import LPValidate
import LPStage

// lp-validate: see LPValidate/ValidateStage.swift.
StageRunner.main(ValidateStage.definition)
