#!/bin/sh
# Makes the secrets docker-compose.yml mounts, each only if it is missing: the PostgreSQL
# superuser's and each service's database password, and the Ed25519 key pair identity
# tokens are signed (account-service) and verified (every BFF) with.
#
#   sh deploy/compose/make-secrets.sh [DIR]     DIR defaults to deploy/compose/secrets
#
# An existing file is kept: the database stores its passwords when it is first created,
# so making them again would lock the services out. To rotate one, change it in the
# database first, then in the file.
#
# File modes: compose mounts a file secret as a bind mount of the file itself, with its
# owner and mode from this machine, and the containers run as other users (65532 for the
# servers, 999 for postgres). So the files are 0644 — readable in the container — and the
# directory is 0700: on this machine only its owner can reach them.
set -eu

cd "$(dirname "$0")/../.."
dir=${1:-deploy/compose/secrets}

umask 077
mkdir -p "$dir"
chmod 0700 "$dir"

made() {
    chmod 0644 "$dir/$1"
    echo "made $dir/$1"
}

for name in postgres-password catalog-db-password cart-db-password account-db-password; do
    if [ ! -s "$dir/$name" ]; then
        # Hex: any character would do (the servers percent-encode it into the URL), but
        # hex survives every tool that might quote it.
        openssl rand -hex 24 >"$dir/$name.tmp"
        mv "$dir/$name.tmp" "$dir/$name"
        made "$name"
    fi
done

# The pair is made together: a new private key needs its public key.
if [ ! -s "$dir/identity-signing-key.pem" ]; then
    # PKCS#8 PEM ("BEGIN PRIVATE KEY"), what account-service reads.
    openssl genpkey -algorithm ed25519 -out "$dir/identity-signing-key.pem.tmp"
    mv "$dir/identity-signing-key.pem.tmp" "$dir/identity-signing-key.pem"
    rm -f "$dir/identity-public-key.pem"
    made identity-signing-key.pem
fi
if [ ! -s "$dir/identity-public-key.pem" ]; then
    # SPKI PEM ("BEGIN PUBLIC KEY"), what the BFFs read.
    openssl pkey -in "$dir/identity-signing-key.pem" -pubout -out "$dir/identity-public-key.pem.tmp"
    mv "$dir/identity-public-key.pem.tmp" "$dir/identity-public-key.pem"
    made identity-public-key.pem
fi
