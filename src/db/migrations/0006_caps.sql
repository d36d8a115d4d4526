CREATE TABLE "caps" (
	"org_id" text NOT NULL,
	"id" text NOT NULL,
	"scope_kind" text NOT NULL,
	"scope_id" text NOT NULL,
	"window" text NOT NULL,
	"limit" bigint NOT NULL,
	"mode" text NOT NULL,
	"notify_at_percent" jsonb NOT NULL,
	"window_start" timestamp with time zone,
	"notified_pct" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "caps_org_id_id_pk" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
ALTER TABLE "grants" ADD COLUMN "applies_to" jsonb;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "api_key_id" text;--> statement-breakpoint
ALTER TABLE "holds" ADD COLUMN "project" text;--> statement-breakpoint
ALTER TABLE "holds" ADD COLUMN "api_key_id" text;--> statement-breakpoint
CREATE INDEX "caps_scope" ON "caps" USING btree ("org_id","scope_kind","scope_id");--> statement-breakpoint
CREATE INDEX "events_api_key" ON "events" USING btree ("org_id","api_key_id","timestamp") WHERE "events"."api_key_id" is not null;