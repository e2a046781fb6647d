import LPMCP

// lp-mcp: see LPMCP/MCPServer.swift.
MCPServer.main()
