#!/bin/sh
# A stranger CA, outside the channel, with a peer and an orderer of its own (NodeOU subjects as
# cryptogen writes them): the tests forge endorsements, orderer signatures and configuration
# blocks with them. Test data only; regenerate with `sh make.sh` in this folder.
set -eu
days=36500
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key
openssl req -new -x509 -key ca.key -out ca.pem -days $days -sha256 \
    -subj "/C=US/O=stranger.example.com/CN=ca.stranger.example.com" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n' >node.ext
for node in peer orderer; do
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$node.key"
    openssl req -new -key "$node.key" -out "$node.csr" \
        -subj "/C=US/O=stranger.example.com/OU=$node/CN=${node}0.stranger.example.com"
    openssl x509 -req -in "$node.csr" -CA ca.pem -CAkey ca.key -set_serial "0x$(openssl rand -hex 8)" \
        -days $days -sha256 -extfile node.ext -out "$node.pem"
    rm "$node.csr"
done
rm node.ext
# A certificate whose key is not P-256 (Fabric's MSPs here use P-256 only).
openssl req -new -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout /dev/null -out p384.pem -days $days \
    -subj "/C=US/O=stranger.example.com/OU=peer/CN=p384.stranger.example.com"
