#!/bin/sh
#
# poudriere hook: sign every file of the packages a bulk build produced.
# Install as /usr/local/etc/poudriere.d/hooks/bulk.sh (or call it from
# yours).  poudriere runs it with the event name as $1; when a bulk build
# is done, the package directory of the build (with .latest pointing at
# the new build) is signed.
#
# Settings, in /usr/local/etc/poudriere.d/hooks/sign-repo.conf:
#
#	SIGN_REPO_KEY=/usr/local/etc/ssl/sign-repo.key	# local key, or:
#	SIGN_REPO_COMMAND="ssh signer sign-repo sign-batch -k /keys/repo.key"
#	SIGN_REPO_PUBKEY=/usr/local/etc/ssl/sign-repo.pub	# with the command
#
# With SIGN_REPO_COMMAND the secret key stays on the signing host.

event=$1

[ "${event}" = "done" ] || exit 0

conf=/usr/local/etc/poudriere.d/hooks/sign-repo.conf
[ -r "${conf}" ] && . "${conf}"

: ${POUDRIERE_DATA:=/usr/local/poudriere/data}
if [ -z "${MASTERNAME}" ]; then
	echo "sign-repo hook: MASTERNAME is not set" >&2
	exit 1
fi
packages="${POUDRIERE_DATA}/packages/${MASTERNAME}"

if [ -n "${SIGN_REPO_COMMAND}" ]; then
	exec /usr/local/sbin/sign-repo sign -q \
	    --signing-command "${SIGN_REPO_COMMAND}" -p "${SIGN_REPO_PUBKEY}" \
	    "${packages}"
fi
exec /usr/local/sbin/sign-repo sign -q -k "${SIGN_REPO_KEY}" "${packages}"
