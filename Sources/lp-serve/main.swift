import LPServe

ServeMain.main()
