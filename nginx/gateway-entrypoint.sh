#!/bin/sh
# The gateway image's command (/usr/local/bin/storefront-gateway): nginx with the
# configuration named first — /etc/storefront/nginx.conf, or nginx-behind-ingress.conf on
# Kubernetes — answering only the probes' host names (localhost, 127.0.0.1) and those in
# STOREFRONT_HOSTS: space- or comma-separated, e.g. "shop.example.com www.shop.example.com"
# (".example.com" or "*.example.com" for a domain and its subdomains). Any other Host gets
# 421 from the configuration's default server. Further arguments go to nginx (-t: check).
#
# The names go into /tmp/server-names.conf, which the configurations include: /tmp is the
# container's tmpfs, the root filesystem is read-only.
set -eu
set -f # "*.example.com" is a host name here, never a file pattern
config=${1:?usage: storefront-gateway CONFIGURATION [nginx arguments]}
shift
names=
for name in $(printf '%s' "${STOREFRONT_HOSTS:-}" | tr ',' ' '); do
    case $name in
        *[!A-Za-z0-9.*-]*)
            echo "storefront-gateway: STOREFRONT_HOSTS: \"$name\" is not a host name" >&2
            exit 64
            ;;
        localhost | 127.0.0.1) ;; # the configuration names them already
        *) names="$names $name" ;;
    esac
done
if [ -n "$names" ]; then
    printf 'server_name%s;\n' "$names" >/tmp/server-names.conf
else
    echo '# STOREFRONT_HOSTS is empty: only localhost and 127.0.0.1 are served.' >/tmp/server-names.conf
fi
exec nginx -p /tmp -c "$config" -e stderr "$@"
