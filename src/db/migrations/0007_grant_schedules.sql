CREATE TABLE "grant_schedule_issues" (
	"org_id" text NOT NULL,
	"schedule_id" text NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"period_end" timestamp with time zone NOT NULL,
	"period_index" integer NOT NULL,
	"grant_id" text NOT NULL,
	"issued_at" timestamp with time zone NOT NULL,
	"rolled_over" bigint,
	"rollover_grant_id" text,
	CONSTRAINT "grant_schedule_issues_org_id_schedule_id_period_start_pk" PRIMARY KEY("org_id","schedule_id","period_start")
);
--> statement-breakpoint
CREATE TABLE "grant_schedules" (
	"org_id" text NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"source" text NOT NULL,
	"amount" bigint NOT NULL,
	"cadence" text NOT NULL,
	"anchor" timestamp with time zone NOT NULL,
	"expires_after" text,
	"priority" integer NOT NULL,
	"rollover" jsonb,
	"ends_at" timestamp with time zone,
	"next_index" integer NOT NULL,
	"next_issue_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "grant_schedules_org_id_id_pk" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "server_keys" (
	"name" text PRIMARY KEY NOT NULL,
	"algorithm" text NOT NULL,
	"public_key" text NOT NULL,
	"private_key" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ledger_daily" ADD COLUMN "rolled_over" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "ledger_daily" ADD COLUMN "forfeited" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "statements" ADD COLUMN "rolled_over" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "statements" ADD COLUMN "forfeited" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "grant_schedule_issues_grant" ON "grant_schedule_issues" USING btree ("org_id","grant_id");--> statement-breakpoint
CREATE INDEX "grant_schedules_due" ON "grant_schedules" USING btree ("next_issue_at");