import LPApply

// lp-apply: see LPApply/ApplyStage.swift.
ApplyStage.main()
