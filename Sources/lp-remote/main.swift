import LPStage
import LPRemote

StageRunner.main(RemoteStage.definition)
