//go:build tools

// Package tools pins the Hyperledger Fabric commands that `npm run network:install` builds with
// `go install` (see network/scripts/install.mjs). It is never compiled into anything.
package tools

import (
	_ "github.com/hyperledger/fabric/cmd/configtxgen"
	_ "github.com/hyperledger/fabric/cmd/configtxlator"
	_ "github.com/hyperledger/fabric/cmd/orderer"
	_ "github.com/hyperledger/fabric/cmd/osnadmin"
	_ "github.com/hyperledger/fabric/cmd/peer"
)
