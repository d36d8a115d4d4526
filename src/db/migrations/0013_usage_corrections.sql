CREATE TABLE "event_corrections" (
	"org_id" text NOT NULL,
	"id" text NOT NULL,
	"event_id" text NOT NULL,
	"kind" text NOT NULL,
	"actor" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"before" jsonb NOT NULL,
	"after" jsonb,
	"period" text NOT NULL,
	"original_day" date NOT NULL,
	"closed" boolean NOT NULL,
	"credits_delta" bigint NOT NULL,
	"usd_delta" bigint NOT NULL,
	"parts" jsonb NOT NULL,
	CONSTRAINT "event_corrections_org_id_id_pk" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "status" text DEFAULT 'active' NOT NULL;--> statement-breakpoint
ALTER TABLE "ledger_daily" ADD COLUMN "corrections" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "statements" ADD COLUMN "corrections" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "event_corrections_event" ON "event_corrections" USING btree ("org_id","event_id");--> statement-breakpoint
CREATE INDEX "event_corrections_period" ON "event_corrections" USING btree ("org_id","period");