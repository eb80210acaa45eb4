#!/bin/sh
# Creates (or updates) the Secrets and the ConfigMap the base references but never holds,
# from the files deploy/compose/make-secrets.sh makes — the same passwords and key pair
# the compose stack uses, or fresh ones for a new cluster:
#
#   sh deploy/compose/make-secrets.sh [DIR]         once: makes whatever is missing in DIR
#   sh deploy/k8s/secrets.example.sh [DIR]           DIR defaults to deploy/compose/secrets
#
# NAMESPACE (default storefront) and KUBECTL (default kubectl) may be set. Applying is
# idempotent (create --dry-run | apply). A database takes its passwords only when its
# volume is first initialised: to rotate one later, ALTER ROLE in the database first, then
# update the Secret and restart the service (kubectl -n storefront rollout restart
# deploy/<slice>-service) — the superuser's needs no restart.
#
# The TLS certificate of the Ingress is not made here: cert-manager, or
#   kubectl -n storefront create secret tls storefront-tls --cert=FILE --key=FILE
set -eu

cd "$(dirname "$0")/../.."
dir=${1:-deploy/compose/secrets}
namespace=${NAMESPACE:-storefront}
kubectl=${KUBECTL:-kubectl}

for file in identity-signing-key.pem identity-public-key.pem postgres-password \
    catalog-db-password cart-db-password account-db-password; do
    if [ ! -s "$dir/$file" ]; then
        echo "missing $dir/$file: run sh deploy/compose/make-secrets.sh $dir first" >&2
        exit 1
    fi
done

# Server-side apply: a client-side one would keep the whole object, secret data included,
# in its last-applied-configuration annotation (which `kubectl describe` prints).
apply() {
    "$kubectl" --namespace "$namespace" "$@" --dry-run=client --output=yaml \
        | "$kubectl" --namespace "$namespace" apply --server-side \
            --field-manager=storefront-secrets --force-conflicts --filename=-
}

# The namespace first (with its Pod Security labels), so the Secrets have a home even
# before the first `kubectl apply -k`.
if [ "$namespace" = storefront ]; then
    "$kubectl" apply --filename=deploy/k8s/base/namespace.yaml
fi

# The private key: mounted into account-service only.
apply create secret generic identity-signing-key \
    --from-file=identity-signing-key="$dir/identity-signing-key.pem"
# The public key is no secret: a ConfigMap, mounted into every BFF.
apply create configmap identity-public-key \
    --from-file=identity-public-key="$dir/identity-public-key.pem"
# Each database's Secret: `password`, the service's, mounted into its service and its
# PostgreSQL (which makes the role <slice> with it when its volume is empty); and
# `superuser-password`, the superuser postgres's, mounted into the PostgreSQL only. Every
# database's superuser has compose's postgres-password.
for slice in catalog cart account; do
    apply create secret generic "$slice-db" --from-file=password="$dir/$slice-db-password" \
        --from-file=superuser-password="$dir/postgres-password"
done
