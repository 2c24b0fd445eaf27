//go:build tools

// Package tools pins the Hyperledger Fabric CA commands that `npm run network:install` builds with
// `go install` (see network/scripts/install.mjs). A module of its own: fabric-ca 1.5 depends on
// Fabric 1.4-era packages that clash with Fabric 2.5's (network/fabric/).
package tools

import (
	_ "github.com/hyperledger/fabric-ca/cmd/fabric-ca-client"
	_ "github.com/hyperledger/fabric-ca/cmd/fabric-ca-server"
)
