#!/bin/sh
# Written by origin-setup (puppet:master:autosign): Puppet policy-based autosigning.
# Puppet runs this with the certname as $1 and the CSR (PEM) on stdin, and signs the
# request only when it exits 0: when the CSR's challengePassword extension equals the
# shared secret kept in the file named below (readable by the puppet user only).
secret_file={{secretfile}}
[ -r "$secret_file" ] || exit 1
expected=$(cat "$secret_file")
[ -n "$expected" ] || exit 1
openssl=$(command -v openssl || echo /opt/puppetlabs/puppet/bin/openssl)
given=$("$openssl" req -noout -text 2>/dev/null | sed -n 's/^[[:space:]]*challengePassword[[:space:]]*:[[:space:]]*//p' | head -n 1 | sed 's/[[:space:]]*$//')
[ -n "$given" ] && [ "$given" = "$expected" ]
