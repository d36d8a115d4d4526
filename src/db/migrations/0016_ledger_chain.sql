-- Issue 15: the ledger hash chain. Entries written before this migration keep chain_seq and hash null:
-- the chain of each organization starts at its first entry written after it (position 1, prev = 64 zeros),
-- see docs/statement-proof.md. `tally verify` counts such entries as "before the chain".
CREATE TABLE "ledger_chain" (
	"org_id" text PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD COLUMN "chain_seq" bigint;--> statement-breakpoint
ALTER TABLE "ledger_entries" ADD COLUMN "hash" text;--> statement-breakpoint
ALTER TABLE "statements" ADD COLUMN "signed_body" text;--> statement-breakpoint
ALTER TABLE "statements" ADD COLUMN "signature" text;--> statement-breakpoint
ALTER TABLE "statements" ADD COLUMN "signature_key_id" text;--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_chain_seq" ON "ledger_entries" USING btree ("org_id","chain_seq");
