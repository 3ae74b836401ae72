#!/bin/sh
# Written by origin-setup (--enrol): makes this instance a Puppet agent at its first boot.
# cloud-init runs it once, as root. It installs the agent, tells it its server, its
# certificate name and the master's autosign challenge, and only then starts it, so the
# first request it sends is one the master signs by policy.
#
# The challenge is part of the user data, which anything on this instance can read (the
# instance metadata service, cloud-init's copies under /var/lib/cloud). Nothing here
# prints it: there is no set -x, and it is written only to csr_attributes.yaml (0600).
set -eu

AGENT={{agent}}
SERVER={{server}}
CA_SERVER={{caserver}}
CERTNAME={{certname}}
SERVICE={{service}}

say() { echo "origin-setup enrol: $*"; }

fetch() {
  mkdir -p "$(dirname "$2")"
  if command -v curl >/dev/null 2>&1; then curl -fsSL --retry 5 -o "$2" "$1"; else wget -q -O "$2" "$1"; fi
}

# The instance's private DNS name as EC2 reports it (PrivateDnsName), from the metadata
# service with an IMDSv2 session token; the launching side waits for this name.
private_dns_name() {
  imds=http://169.254.169.254/latest
  ttl='X-aws-ec2-metadata-token-ttl-seconds: 60'
  if command -v curl >/dev/null 2>&1; then
    token=$(curl -fsS --retry 5 -X PUT -H "$ttl" "$imds/api/token") &&
      curl -fsS --retry 5 -H "X-aws-ec2-metadata-token: $token" "$imds/meta-data/local-hostname"
  else
    token=$(wget -q -O - --method=PUT --header="$ttl" "$imds/api/token") &&
      wget -q -O - --header="X-aws-ec2-metadata-token: $token" "$imds/meta-data/local-hostname"
  fi
}

install_agent() {
{{install}}
}

# Debian's and Ubuntu's packages start their services while they are installed, and the
# agent must not run before it knows its server, its name and the challenge. A
# policy-rc.d that answers 101 (action forbidden) keeps invoke-rc.d and
# deb-systemd-invoke from starting anything until the install is done; one the image
# already had is put back afterwards. RPM packages start nothing.
held=
hold_services() {
  command -v apt-get >/dev/null 2>&1 || return 0
  if [ -e /usr/sbin/policy-rc.d ]; then mv /usr/sbin/policy-rc.d /usr/sbin/policy-rc.d.origin-setup; fi
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 0755 /usr/sbin/policy-rc.d
  held=1
}
release_services() {
  [ -n "$held" ] || return 0
  rm -f /usr/sbin/policy-rc.d
  if [ -e /usr/sbin/policy-rc.d.origin-setup ]; then mv /usr/sbin/policy-rc.d.origin-setup /usr/sbin/policy-rc.d; fi
  held=
}
trap release_services EXIT
trap 'release_services; exit 1' HUP INT TERM

say "installing $AGENT"
hold_services
install_agent
release_services

puppet=/opt/puppetlabs/bin/puppet
[ -x "$puppet" ] || puppet=$(command -v puppet) || { say "no puppet command after installing $AGENT"; exit 1; }

if [ -z "$CERTNAME" ]; then
  CERTNAME=$(private_dns_name | tr '[:upper:]' '[:lower:]')
  [ -n "$CERTNAME" ] || { say "the metadata service gave no private DNS name to use as the certificate name"; exit 1; }
fi

"$puppet" config set server "$SERVER" --section main
if [ -n "$CA_SERVER" ]; then "$puppet" config set ca_server "$CA_SERVER" --section main; fi
"$puppet" config set certname "$CERTNAME" --section main

# Where this Puppet reads the attributes of its certificate request, as it says itself.
csr_attributes=$("$puppet" config print csr_attributes --section agent)
mkdir -p "$(dirname "$csr_attributes")"
(
  umask 077
  cat > "$csr_attributes" <<'ORIGIN_SETUP_CSR_ATTRIBUTES'
# Written by origin-setup (--enrol) at first boot. The agent puts this challenge into
# its certificate request; the master's autosign policy signs a request that has it.
custom_attributes:
  1.2.840.113549.1.9.7: {{challenge}}
ORIGIN_SETUP_CSR_ATTRIBUTES
)
chown 0:0 "$csr_attributes"
chmod 0600 "$csr_attributes"

if command -v systemctl >/dev/null 2>&1; then
  systemctl enable "$SERVICE"
  systemctl restart "$SERVICE"
else
  chkconfig "$SERVICE" on 2>/dev/null || update-rc.d "$SERVICE" defaults
  service "$SERVICE" restart
fi
say "$SERVICE started as $CERTNAME; it asks $SERVER for its certificate"
