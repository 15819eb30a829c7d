#!/bin/sh
# A log with version 1 entries becomes a log that goes on in version 2 (sql/018_receipts_v2.sql,
# docs/tlog.md): a database as the service left it just before 018 (its migrations and its
# function files, taken from git at V1), holding submissions stored by its own
# pakn_intake_batch and a signed tree, is migrated by the current paknctl; then its old
# entries keep their leaves (so version 1 receipts and checkpoints still prove them), the
# public API gives only their leaf hashes, the first version 2 append takes its frontier from
# the old tree, and the head it answers is the tree the checkpointer then hashes. Prints TAP.
set -u
cd "$(dirname "$0")/../.."
: "${PAKNCTL_BIN:?run from tests/run.sh}"
. tests/sql/lib.sh
V1=86bdb7f # the last commit before sql/018_receipts_v2.sql
git cat-file -e "$V1^{commit}" 2>/dev/null || {
	echo "ok 1 - # SKIP commit $V1 is not in this checkout (a shallow clone?)"
	exit 0
}
db=pakn_v1_log
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
q() { psql_on $db -At -c "$1"; }

db_at "$V1" $db 2>"${PAKN_TEST_TMP:-/tmp}/v1_db.err" ||
	{ fail "the database at $V1" "$(cat "${PAKN_TEST_TMP:-/tmp}/v1_db.err")"; exit 1; }
url=$(db_url $db)
for p in data/plans/*.txt; do PAKN_DATABASE_URL=$url "$PAKNCTL_BIN" import-plan "$p" >/dev/null; done
# Three submissions as the service stored them then, and the checkpointer's tree of them.
rows='['
for i in 1 2 3; do
	[ $i -gt 1 ] && rows="$rows,"
	h=$(printf 'v1 submission %s' $i | sha256sum | cut -c1-64)
	rows="$rows{\"id\":$i,\"tracking_code\":\"V1V1-V1V1-V1V1-V1V$i-0\",\"item_code\":\"LC-T25\",
		\"rating\":$i,\"kind\":\"opinion\",\"body\":\"Góp ý số $i\",\"consent_publish\":true,
		\"consent_contact\":false,\"submission_hash\":\"$h\",\"secret_hash\":\"$h\",
		\"key_id\":\"0123456789abcdef\"}"
done
rows="$rows]"
q "SELECT pakn_intake_batch('$rows'::json)" >/dev/null && q "SELECT pakn_tlog_advance()" >/dev/null ||
	{ fail "the version 1 service stores three submissions"; exit 1; }
leaves_before=$(q "SELECT string_agg(encode(leaf, 'hex'), ',' ORDER BY idx) FROM tlog_entry")
root_before=$(q "SELECT encode(pakn_tlog_mth(0, 3), 'base64')")

PAKN_DATABASE_URL=$url "$PAKNCTL_BIN" migrate sql >/dev/null 2>&1 || { fail "the current migrate"; exit 1; }
[ "$(q "SELECT v2_from || ' ' || (frontier IS NULL) FROM tlog_state")" = "3 true" ] &&
	ok "entries from 3 on are version 2; the frontier waits for the first append" ||
	fail "v2_from and frontier" "$(q "SELECT v2_from, frontier FROM tlog_state")"
[ "$(q "SELECT count(*) FROM feedback WHERE handle ~ '^[0-9a-f]{32}$' AND octet_length(salt) = 32")" = 3 ] &&
	ok "old feedback has a handle and a salt for the entries of its later actions" ||
	fail "handles and salts"
leaves_src=$(q "SELECT string_agg(encode(pakn_tlog_leaf(pakn_tlog_entry(version, kind, tracking_code,
	item_code, handle, at, commitment)), 'hex'), ',' ORDER BY idx) FROM pakn_tlog_sources(0, 3)")
[ "$leaves_src" = "$leaves_before" ] &&
	ok "the old entries recompute to the same leaves, as version 1" ||
	fail "old leaves" "before $leaves_before" "now    $leaves_src"
public=$(q "SELECT pakn_tlog_entries(0, 3)")
case $public in
*V1V1* | *LC-T25* | *commitment*) fail "the public API gives version 1 entries whole" "$public" ;;
*'"version" : 1, "leaf_hash"'*) ok "the public API gives only the leaf hashes of version 1 entries" ;;
*) fail "version 1 entries in the public API" "$public" ;;
esac
# A version 2 batch: its head extends the old tree, and is the tree the checkpointer hashes.
h=$(printf 'v2 submission' | sha256sum | cut -c1-64)
answer=$(q "SELECT pakn_intake_batch('[{\"id\":4,\"tracking_code\":\"V2V2-V2V2-V2V2-V2V2-0\",
	\"item_code\":\"LC-T25\",\"rating\":5,\"kind\":\"opinion\",\"body\":\"Góp ý mới\",
	\"consent_publish\":false,\"consent_contact\":false,\"submission_hash\":\"$h\",
	\"secret_hash\":\"$h\",\"key_id\":\"0123456789abcdef\",\"handle\":\"${h%????????????????????????????????}\",
	\"salt\":\"$h\",\"commitment\":\"$h\"}]'::json) -> 'log'")
q "SELECT pakn_tlog_advance()" >/dev/null
frontier=$(printf '%s' "$answer" | python3 -c 'import json,sys; print(",".join(json.load(sys.stdin)["frontier"]))')
want=$(q "SELECT encode(pakn_tlog_mth(0, 2), 'base64') || ',' || encode(pakn_tlog_mth(2, 3), 'base64')")
[ "$frontier" = "$want" ] && ok "the first append's frontier is the old tree's (sizes 2 and 1)" ||
	fail "frontier" "got  $frontier" "want $want"
root=$(printf '%s' "$answer" | python3 -c 'import json,sys; print(json.load(sys.stdin)["root"])')
[ "$root" = "$(q "SELECT encode(pakn_tlog_mth(0, 4), 'base64')")" ] &&
	ok "the batch's head is the tree of 4 entries the checkpointer hashed" ||
	fail "root" "head $root" "tree $(q "SELECT encode(pakn_tlog_mth(0, 4), 'base64')")"
[ "$(q "SELECT encode(pakn_tlog_mth(0, 3), 'base64')")" = "$root_before" ] &&
	ok "the tree of the first 3 entries is unchanged (old checkpoints still hold)" ||
	fail "old root changed"
echo "1..$n"
