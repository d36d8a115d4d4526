-- Issue 15: chain the ledger entries written before the hash chain existed (migration 0016 added the
-- columns and left older entries with chain_seq and hash null). Each organization's entries are numbered
-- 1, 2, 3… in id (recording) order from the genesis, as LedgerBatch.flush would have written them.
--
-- The hash must be byte for byte what src/domain/chain.ts `chainJson` + SHA-256 gives, because
-- `tally verify` recomputes it in TypeScript (test/chain-backfill.test.ts holds the two together):
--   * members in CHAIN_KEYS order (already sorted), no whitespace, every value a JSON string or null;
--   * strings through to_json, which escapes exactly as JSON.stringify does (\" \\ \b \f \n \r \t and
--     \u00xx for the other control characters; everything else, non-ASCII included, as is);
--   * amounts, positions and block balances as decimal integer strings;
--   * instants as Date.prototype.toISOString writes them: UTC, milliseconds (to_char MS truncates,
--     as the drivers do when they read a timestamptz into a Date), "Z";
--   * SHA-256 over the UTF-8 bytes, lowercase hex.
--
-- An organization whose chain had already started (entries written after 0016 by a build without this
-- migration) is chained anew from its first entry, unless a signed statement already names positions of
-- its chain: re-numbering would then break that signature, so such an organization keeps its chain as it
-- is and `tally verify` goes on counting its older entries as before the chain (docs/statement-proof.md).
--
-- Each organization's row is locked first (the rule every ledger writer follows), then the append-only
-- trigger is set aside for this transaction only: the update fills chain columns and changes nothing else.
DO $$
DECLARE
  o record;
  e record;
  n bigint;
  prev text;
  h text;
  ids bigint[];
  seqs bigint[];
  hashes text[];
  todo text[];
BEGIN
  SELECT array_agg(x.org_id ORDER BY x.org_id) INTO todo
  FROM (SELECT DISTINCT l.org_id FROM ledger_entries l WHERE l.chain_seq IS NULL) x
  WHERE NOT EXISTS (
    SELECT 1 FROM statements s
    WHERE s.org_id = x.org_id AND s.signed_body IS NOT NULL AND jsonb_typeof(s.signed_body::jsonb -> 'chain') = 'object'
  );
  IF todo IS NULL THEN
    RETURN;
  END IF;
  PERFORM 1 FROM orgs WHERE id = ANY (todo) ORDER BY id FOR UPDATE;
  ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only;
  FOR o IN SELECT unnest(todo) AS org_id LOOP
    -- positions are unique per organization: clear the ones of a chain that had started before renumbering
    UPDATE ledger_entries SET chain_seq = NULL, hash = NULL WHERE org_id = o.org_id AND chain_seq IS NOT NULL;
    n := 0;
    prev := repeat('0', 64);
    ids := '{}';
    seqs := '{}';
    hashes := '{}';
    FOR e IN
      SELECT id, org_id, type, amount, from_account, to_account, block_id, block_balance_after, grant_id,
        occurred_at, recorded_at, event_id, ref, actor
      FROM ledger_entries WHERE org_id = o.org_id ORDER BY id
    LOOP
      n := n + 1;
      h := encode(sha256(convert_to(
        '{"actor":' || coalesce(to_json(e.actor)::text, 'null')
        || ',"amount":' || to_json(e.amount::text)::text
        || ',"block":' || coalesce(to_json(e.block_id)::text, 'null')
        || ',"block_balance_after":' || coalesce(to_json(e.block_balance_after::text)::text, 'null')
        || ',"event":' || coalesce(to_json(e.event_id)::text, 'null')
        || ',"from":' || to_json(e.from_account)::text
        || ',"grant":' || coalesce(to_json(e.grant_id)::text, 'null')
        || ',"occurred_at":' || to_json(to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::text
        || ',"org":' || to_json(e.org_id)::text
        || ',"prev":' || to_json(prev)::text
        || ',"recorded_at":' || to_json(to_char(e.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::text
        || ',"ref":' || coalesce(to_json(e.ref)::text, 'null')
        || ',"seq":' || to_json(n::text)::text
        || ',"to":' || to_json(e.to_account)::text
        || ',"type":' || to_json(e.type)::text
        || '}', 'UTF8')), 'hex');
      ids := ids || e.id;
      seqs := seqs || n;
      hashes := hashes || h;
      prev := h;
    END LOOP;
    UPDATE ledger_entries l SET chain_seq = u.seq, hash = u.hash
    FROM unnest(ids, seqs, hashes) AS u(id, seq, hash)
    WHERE l.org_id = o.org_id AND l.id = u.id;
    INSERT INTO ledger_chain (org_id, seq, hash) VALUES (o.org_id, n, prev)
    ON CONFLICT (org_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash;
  END LOOP;
  ALTER TABLE ledger_entries ENABLE TRIGGER ledger_entries_append_only;
END $$;
