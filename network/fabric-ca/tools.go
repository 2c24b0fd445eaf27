//go:build tools

// Package tools pins the Hyperledger Fabric CA commands that `npm run network:install` builds with
// `go install` (see network/scripts/install.mjs). A module of its own: fabric-ca 1.5.15 requires
// newer versions of modules Fabric 2.5.0 also uses (IBM/idemix, grpc, fabric-lib-go), which Go
// would then build Fabric with too (network/fabric/).
package tools

import (
	_ "github.com/hyperledger/fabric-ca/cmd/fabric-ca-client"
	_ "github.com/hyperledger/fabric-ca/cmd/fabric-ca-server"
)
