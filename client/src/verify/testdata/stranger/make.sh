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
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >ca.ext
# issue NAME OUs ISSUER EXT: NAME.key and NAME.pem, with a subject holding each OU of OUs.
issue() {
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key"
    openssl req -new -key "$1.key" -out "$1.csr" -subj "/C=US/O=stranger.example.com$2/CN=$1.stranger.example.com"
    openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -set_serial "0x$(openssl rand -hex 8)" \
        -days $days -sha256 -extfile "$4" -out "$1.pem"
    rm "$1.csr"
}
issue peer /OU=peer ca node.ext
issue orderer /OU=orderer ca node.ext
# Holding two node OUs, which no Fabric MSP accepts.
issue peer-client /OU=peer/OU=client ca node.ext
# An intermediate CA and a peer under it.
issue intermediate "" ca ca.ext
issue intermediate-peer /OU=peer intermediate node.ext
rm node.ext ca.ext
# A certificate whose key is not P-256 (Fabric's MSPs here use P-256 only).
openssl req -new -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout /dev/null -out p384.pem -days $days \
    -subj "/C=US/O=stranger.example.com/OU=peer/CN=p384.stranger.example.com"
